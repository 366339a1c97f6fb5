package dev.trit.engine.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/** Runs a model over text windows to make a {@link LogitsDump}, or to compare with one. */
public final class LogitsRun {
    private LogitsRun() {
    }

    /** The base side: top-k log-probabilities at every scored position of every window. */
    public static LogitsDump dump(LogitSource model, List<EvalWindow> windows, int topK, Map<String, String> metadata, IntConsumer progress) {
        if (topK < 1) throw new IllegalArgumentException("top-k must be at least 1");
        List<LogitsDump.Row> rows = new ArrayList<>();
        for (EvalWindow w : windows) {
            float[][] logits = run(model, w);
            for (int j = 0; j < w.targets().length; j++) {
                int position = w.firstTarget() + j;
                rows.add(new LogitsDump.Row(w.index(), position, TopLogprobs.of(logits[w.firstScored() + j], topK, w.targets()[j])));
            }
            if (progress != null) progress.accept(w.index());
        }
        return new LogitsDump(model.vocabSize(), topK, metadata, rows);
    }

    /**
     * The model side: KL-divergence and the other llama-perplexity statistics against a base dump made
     * on the same windows. Fails if the windows' tokens or positions differ from the dump's.
     */
    public static KldStats compare(LogitSource model, List<EvalWindow> windows, LogitsDump base, IntConsumer progress) {
        if (base.vocabSize() != model.vocabSize()) {
            throw new IllegalArgumentException("base has a vocabulary of " + base.vocabSize() + " tokens, the model " + model.vocabSize());
        }
        KldStats stats = new KldStats();
        int r = 0;
        for (EvalWindow w : windows) {
            float[][] logits = run(model, w);
            for (int j = 0; j < w.targets().length; j++, r++) {
                if (r >= base.rows().size()) throw new IllegalArgumentException("base has only " + base.rows().size() + " positions, the text gives more");
                LogitsDump.Row row = base.rows().get(r);
                int position = w.firstTarget() + j;
                if (row.window() != w.index() || row.position() != position || row.top().token() != w.targets()[j]) {
                    throw new IllegalArgumentException("base row " + r + " is token " + row.top().token() + " at position " + row.position()
                            + ", the text gives token " + w.targets()[j] + " at " + position + " (different text, tokenizer or context?)");
                }
                stats.add(KlDivergence.of(row.top(), logits[w.firstScored() + j]));
            }
            if (progress != null) progress.accept(w.index());
        }
        if (r != base.rows().size()) throw new IllegalArgumentException("base has " + base.rows().size() + " positions, the text gives " + r);
        return stats;
    }

    private static float[][] run(LogitSource model, EvalWindow w) {
        if (w.input().length > model.maxTokens()) {
            throw new IllegalArgumentException("window of " + w.input().length + " tokens exceeds the model's context of " + model.maxTokens());
        }
        return model.logits(w.input());
    }
}
