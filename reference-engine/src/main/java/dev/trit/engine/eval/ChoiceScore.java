package dev.trit.engine.eval;

/**
 * The score of one choice: the summed log-probability of its scored tokens, how many there were,
 * whether each was the model's greedy pick, and the choice's length in characters.
 */
public record ChoiceScore(double logLikelihood, int tokens, boolean greedy, int chars) {
    public double meanLogProb() {
        return tokens == 0 ? Double.NEGATIVE_INFINITY : logLikelihood / tokens;
    }

    public double perChar() {
        return logLikelihood / chars;
    }
}
