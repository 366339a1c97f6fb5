package dev.trit.engine;

/**
 * @param nll      negative log likelihood (natural log) of every scored token, in text order
 * @param windows  windows (chunks) evaluated
 * @param seconds  wall time of the run
 */
public record PerplexityResult(double perplexity, double meanNll, int scored, int windows, double[] nll, double seconds) {
    public double tokensPerSecond(int tokensRun) {
        return seconds > 0 ? tokensRun / seconds : 0;
    }
}
