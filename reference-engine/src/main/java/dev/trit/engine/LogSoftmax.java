package dev.trit.engine;

/** Log-softmax of one logits row, in double precision (the row itself stays float). */
public final class LogSoftmax {
    private LogSoftmax() {
    }

    /** log(sum(exp(row))), shifted by the maximum so no term overflows. */
    public static double logSumExp(float[] row) {
        return logSumExp(row, 0, row.length);
    }

    /**
     * log(sum(exp(a[from .. from+n)))). Scalar Math.exp in double on purpose: the Vector API's
     * lanewise(EXP) is computed by different algorithms when interpreted and when JIT-compiled, which
     * made perplexities differ in the last digits from run to run.
     */
    public static double logSumExp(float[] a, int from, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) if (a[i] > max) max = a[i];
        if (max == Float.NEGATIVE_INFINITY) return Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (int i = from; i < from + n; i++) sum += Math.exp((double) a[i] - max);
        return max + Math.log(sum);
    }

    /** log p(token) under the softmax of the row. */
    public static double logProb(float[] row, int token) {
        return row[token] - logSumExp(row);
    }

    /** Index of the largest logit; the first one on ties (as numpy's argmax and llama.cpp's strict '>'). */
    public static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
