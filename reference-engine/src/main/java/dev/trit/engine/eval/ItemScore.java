package dev.trit.engine.eval;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** The scores of every choice of one item, and the predictions the metrics are counted from. */
public record ItemScore(String id, int gold, List<ChoiceScore> choices) {
    public ItemScore {
        choices = List.copyOf(choices);
    }

    /** Argmax of the summed log-likelihood (harness acc). */
    public int pred() {
        return argmax(ChoiceScore::logLikelihood);
    }

    /** Argmax of log-likelihood per character (harness acc_norm). */
    public int predNorm() {
        return argmax(ChoiceScore::perChar);
    }

    /** Argmax of the mean log-probability per scored token (llama.cpp). */
    public int predMeanToken() {
        return argmax(ChoiceScore::meanLogProb);
    }

    /** First index of the maximum, as numpy's argmax and llama.cpp's strict '>' both pick. */
    private int argmax(ToDoubleFunction<ChoiceScore> f) {
        int best = 0;
        for (int i = 1; i < choices.size(); i++) {
            if (f.applyAsDouble(choices.get(i)) > f.applyAsDouble(choices.get(best))) best = i;
        }
        return best;
    }
}
