package dev.trit.engine.eval;

/**
 * A proportion of correct items with lm-evaluation-harness's standard error of the mean
 * ({@code mean_stderr}: sample standard deviation / sqrt(n)), which for 0/1 scores is
 * sqrt(p(1-p)/(n-1)); llama.cpp prints the same for its multiple-choice scores.
 */
public record Accuracy(String metric, int correct, int n) {
    public double value() {
        return n == 0 ? Double.NaN : (double) correct / n;
    }

    public double stderr() {
        if (n < 2) return Double.NaN;
        double p = value();
        return Math.sqrt(p * (1 - p) / (n - 1));
    }
}
