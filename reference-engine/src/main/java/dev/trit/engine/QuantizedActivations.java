package dev.trit.engine;

/**
 * Per-token absmax int8 activations, as BitLinear's activation_quant makes them: for each token row,
 * scale = 127 / max(max|x|, 1e-5) and q = clamp(rint(x * scale), -128, 127). Values are held as shorts so
 * the kernel multiplies without widening.
 *
 * @param q     tokens x cols int8 values, row-major
 * @param scale per token, the factor that made the int8 values (x ~ q / scale)
 */
public record QuantizedActivations(int tokens, int cols, short[] q, float[] scale) {
    public QuantizedActivations {
        if ((long) tokens * cols != q.length || scale.length != tokens) throw new IllegalArgumentException("activation size mismatch");
    }

    public static QuantizedActivations quantize(float[] x, int tokens, int cols) {
        short[] q = new short[tokens * cols];
        float[] scales = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            int o = t * cols;
            float max = 0f;
            for (int c = 0; c < cols; c++) max = Math.max(max, Math.abs(x[o + c]));
            float s = 127f / Math.max(max, 1e-5f);
            scales[t] = s;
            for (int c = 0; c < cols; c++) {
                float v = (float) Math.rint(x[o + c] * s); // float product, then round half to even
                q[o + c] = (short) Math.max(-128f, Math.min(127f, v));
            }
        }
        return new QuantizedActivations(tokens, cols, q, scales);
    }
}
