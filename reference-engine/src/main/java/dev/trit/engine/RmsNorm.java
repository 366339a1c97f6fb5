package dev.trit.engine;

/** LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * weight, per token row, in fp32. */
public final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * The rows of x from offset from on, written to out from 0, split over the kernels' threads (each row is
     * computed as alone, so the result does not depend on the split; the serial norms were ~4% of prefill's wall
     * time). At least 32 rows per thread, so a decode step's norm stays on the caller's thread.
     */
    public static void apply(Kernels k, float[] x, int from, int tokens, int dim, float[] weight, float eps, float[] out) {
        k.forRange(tokens, 32, (t0, t1) -> rows(x, from, t0, t1, dim, weight, eps, out));
    }

    /** Rows t0 .. t1 - 1 of the rows of x from offset from (row t written at out[t * dim]). */
    private static void rows(float[] x, int from, int t0, int t1, int dim, float[] weight, float eps, float[] out) {
        for (int t = t0; t < t1; t++) {
            int o = from + t * dim, oo = t * dim;
            // four double chains (one chain waited on the add latency: 4% of prefill); each square is exact in
            // double and the sum carries ~29 bits beyond float's, so the order does not reach the float result
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i4 = dim & ~3;
            for (int i = 0; i < i4; i += 4) {
                s0 += (double) x[o + i] * x[o + i];
                s1 += (double) x[o + i + 1] * x[o + i + 1];
                s2 += (double) x[o + i + 2] * x[o + i + 2];
                s3 += (double) x[o + i + 3] * x[o + i + 3];
            }
            for (int i = i4; i < dim; i++) s0 += (double) x[o + i] * x[o + i];
            double ss = (s0 + s1) + (s2 + s3);
            float inv = (float) (1.0 / Math.sqrt((float) (ss / dim) + eps));
            for (int i = 0; i < dim; i++) out[oo + i] = weight[i] * (x[o + i] * inv);
        }
    }
}
