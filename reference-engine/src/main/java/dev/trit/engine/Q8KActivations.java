package dev.trit.engine;

/**
 * Activation rows as ggml's Q8_K blocks hold them (the vec_dot_type of Q2_K .. Q6_K): per block of 256
 * values one float d and 256 int8 quants ({@link LlamaCppActivations#q8K}), plus the sums of each 32
 * quants (ggml's {@code bsums} pairwise: the Q4_K product's mins are per sub-block of 32). Quants are held as shorts so the
 * integer kernels multiply without widening.
 *
 * @param q     tokens x cols quants, row-major (arrays may be longer: reused buffers)
 * @param d     per block of 256, tokens x cols / 256
 * @param bsums per 32 quants, tokens x cols / 32
 */
public record Q8KActivations(int tokens, int cols, short[] q, float[] d, int[] bsums) {
    public Q8KActivations {
        if (cols % 256 != 0) throw new IllegalArgumentException(cols + " columns are not whole Q8_K blocks of 256");
        if ((long) tokens * cols > q.length || (long) tokens * cols / 256 > d.length || (long) tokens * cols / 32 > bsums.length) {
            throw new IllegalArgumentException("activation size mismatch");
        }
    }

    public static Q8KActivations allocate(int tokens, int cols) {
        return new Q8KActivations(tokens, cols, new short[tokens * cols], new float[tokens * cols / 256], new int[tokens * cols / 32]);
    }

    /** x's first tokens rows of cols values quantized into buf's arrays (new ones when they are too small); returns the view. */
    public static Q8KActivations quantizeInto(float[] x, int tokens, int cols, Q8KActivations buf) {
        long n = (long) tokens * cols;
        if (buf == null || buf.q.length < n || buf.d.length < n / 256 || buf.bsums.length < n / 32) buf = allocate(tokens, cols);
        int blocks = tokens * cols / 256;
        for (int b = 0; b < blocks; b++) {
            buf.d[b] = LlamaCppActivations.q8K(x, 256 * b, buf.q, 256 * b);
            for (int g = 0; g < 8; g++) {
                int s = 0;
                for (int j = 0; j < 32; j++) s += buf.q[256 * b + 32 * g + j];
                buf.bsums[8 * b + g] = s;
            }
        }
        return new Q8KActivations(tokens, cols, buf.q, buf.d, buf.bsums);
    }
}
