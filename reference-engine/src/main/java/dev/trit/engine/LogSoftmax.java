package dev.trit.engine.eval;

/** Log-softmax of one logits row, in double precision (the row itself stays float). */
public final class LogSoftmax {
    private LogSoftmax() {
    }

    /** log(sum(exp(row))), shifted by the maximum so no term overflows. */
    public static double logSumExp(float[] row) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : row) if (v > max) max = v;
        if (max == Float.NEGATIVE_INFINITY) return Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (float v : row) sum += Math.exp((double) v - max);
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
