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
 * @param q4    q again, each block of 256 in the order the Q4_K kernel reads its nibbles ({@link #q4Source})
 * @param q6    q again, in the Q6_K kernel's order ({@link #q6Source})
 */
public record Q8KActivations(int tokens, int cols, short[] q, float[] d, int[] bsums, short[] q4, short[] q6) {
    public Q8KActivations {
        if (cols % 256 != 0) throw new IllegalArgumentException(cols + " columns are not whole Q8_K blocks of 256");
        if ((long) tokens * cols > q.length || (long) tokens * cols > q4.length || (long) tokens * cols > q6.length || (long) tokens * cols / 256 > d.length
                || (long) tokens * cols / 32 > bsums.length) {
            throw new IllegalArgumentException("activation size mismatch");
        }
    }

    public static Q8KActivations allocate(int tokens, int cols) {
        return new Q8KActivations(tokens, cols, new short[tokens * cols], new float[tokens * cols / 256], new int[tokens * cols / 32],
                new short[tokens * cols], new short[tokens * cols]);
    }

    /**
     * The position in its block of 256 of the quant that {@link #q4} holds at p. The Q4_K kernel reads 64
     * weight bytes (two of ggml's 32-byte chunks c = 2k, 2k + 1: byte l's low nibble is weight 64c + l, its
     * high nibble 64c + 32 + l) as 32 short lanes and takes four vectors out of them by shifts and masks,
     * with no byte-to-short conversion: the low nibbles of the even bytes, of the odd bytes, the high nibbles
     * of the even bytes, of the odd bytes (source s = 0..3). Lane i (0..31) of source s of pair k stands for
     * the byte l = 2 (i mod 16) + (s mod 2) of chunk 2k + i / 16, so q4[128k + 32s + i] = q[64c + 32 (s / 2) + l].
     */
    static int q4Source(int p) {
        int k = p / 128, s = p / 32 % 4, i = p % 32;
        int c = 2 * k + i / 16, l = 2 * (i % 16) + s % 2;
        return 64 * c + 32 * (s / 2) + l;
    }

    /**
     * As {@link #q4Source} for {@link #q6}: the Q6_K kernel reads half h's 64 ql bytes (byte 32m + l's low
     * nibble holds weight 128h + 32m + l's low 4 bits, its high nibble weight 128h + 64 + 32m + l's) as 32
     * short lanes, lane i holding bytes 32 (i / 16) + 2 (i mod 16) and the next; sources s = 0..3 as in Q4_K.
     * So q6[128h + 32s + i] = q[128h + 64 (s / 2) + 32 (i / 16) + 2 (i mod 16) + s mod 2].
     */
    static int q6Source(int p) {
        int h = p / 128, s = p / 32 % 4, i = p % 32;
        return 128 * h + 64 * (s / 2) + 32 * (i / 16) + 2 * (i % 16) + s % 2;
    }

    private static final int[] Q4_SOURCE = java.util.stream.IntStream.range(0, 256).map(Q8KActivations::q4Source).toArray();
    private static final int[] Q6_SOURCE = java.util.stream.IntStream.range(0, 256).map(Q8KActivations::q6Source).toArray();

    /** x's first tokens rows of cols values quantized into buf's arrays (new ones when they are too small); returns the view. */
    public static Q8KActivations quantizeInto(float[] x, int tokens, int cols, Q8KActivations buf) {
        long n = (long) tokens * cols;
        if (buf == null || buf.q.length < n || buf.q4.length < n || buf.q6.length < n || buf.d.length < n / 256 || buf.bsums.length < n / 32) buf = allocate(tokens, cols);
        int blocks = tokens * cols / 256;
        for (int b = 0; b < blocks; b++) {
            buf.d[b] = LlamaCppActivations.q8K(x, 256 * b, buf.q, 256 * b);
            for (int g = 0; g < 8; g++) {
                int s = 0;
                for (int j = 0; j < 32; j++) s += buf.q[256 * b + 32 * g + j];
                buf.bsums[8 * b + g] = s;
            }
            for (int p = 0; p < 256; p++) buf.q4[256 * b + p] = buf.q[256 * b + Q4_SOURCE[p]];
            for (int p = 0; p < 256; p++) buf.q6[256 * b + p] = buf.q[256 * b + Q6_SOURCE[p]];
        }
        return new Q8KActivations(tokens, cols, buf.q, buf.d, buf.bsums, buf.q4, buf.q6);
    }
}
