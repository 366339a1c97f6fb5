package dev.trit.engine;

/** LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * weight, per token row, in fp32. */
public final class RmsNorm {
    private RmsNorm() {
    }

    public static void apply(float[] x, int tokens, int dim, float[] weight, float eps, float[] out) {
        apply(x, 0, tokens, dim, weight, eps, out);
    }

    /** As above for the rows of x from offset from on, written to out from 0. */
    public static void apply(float[] x, int from, int tokens, int dim, float[] weight, float eps, float[] out) {
        for (int t = 0; t < tokens; t++) {
            int o = from + t * dim, oo = t * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[o + i] * x[o + i];
            float inv = (float) (1.0 / Math.sqrt((float) (ss / dim) + eps));
            for (int i = 0; i < dim; i++) out[oo + i] = weight[i] * (x[o + i] * inv);
        }
    }
}
