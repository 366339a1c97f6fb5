package dev.trit.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Per-token absmax int8 activations, as BitLinear's activation_quant makes them: for each token row,
 * scale = 127 / max(max|x|, 1e-5) and q = clamp(rint(x * scale), -128, 127). Values are held as shorts so
 * the kernel multiplies without widening.
 *
 * @param q     tokens x cols int8 values, row-major (the array may be longer: a reused buffer)
 * @param scale per token, the factor that made the int8 values (x ~ q / scale); may be longer
 */
public record QuantizedActivations(int tokens, int cols, short[] q, float[] scale) {
    public QuantizedActivations {
        if ((long) tokens * cols > q.length || scale.length < tokens) throw new IllegalArgumentException("activation size mismatch");
    }

    /** Buffers for up to tokens rows of cols values, to be filled by {@link #quantizeInto}. */
    public static QuantizedActivations allocate(int tokens, int cols) {
        return new QuantizedActivations(tokens, cols, new short[tokens * cols], new float[tokens]);
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * 1.5 * 2^23: adding it to a float of magnitude below 2^22 lands in [2^23, 2^24), where floats are the
     * integers, so the sum is rounded half-to-even to an integer exactly as Math.rint would; subtracting
     * it again is exact. |x * scale| <= 127 (plus rounding) here, far inside that range.
     */
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);
    private static final float ROUND = 12582912f;

    public static QuantizedActivations quantize(float[] x, int tokens, int cols) {
        return quantizeInto(x, tokens, allocate(tokens, cols));
    }

    /** Quantizes the first tokens rows of x into buf's arrays (no new arrays); returns a view of those rows. */
    public static QuantizedActivations quantizeInto(float[] x, int tokens, QuantizedActivations buf) {
        if (tokens > buf.tokens) throw new IllegalArgumentException(tokens + " tokens exceed the buffer's " + buf.tokens);
        int cols = buf.cols;
        short[] q = buf.q;
        float[] scales = buf.scale;
        int bound = F.loopBound(cols);
        for (int t = 0; t < tokens; t++) {
            int o = t * cols;
            // max is exact in any order, so a lane-parallel max equals the sequential one
            FloatVector mv = FloatVector.zero(F);
            int c = 0;
            for (; c < bound; c += F.length()) mv = mv.max(FloatVector.fromArray(F, x, o + c).abs());
            float max = mv.reduceLanes(VectorOperators.MAX);
            for (; c < cols; c++) max = Math.max(max, Math.abs(x[o + c]));
            float s = 127f / Math.max(max, 1e-5f);
            scales[t] = s;
            // rounded and clamped in float lanes, then narrowed by a plain loop (C2 vectorizes the casts;
            // the Vector API's shape-changing float-to-short conversion profiled slow on 512-bit vectors)
            float[] r = ROW.get();
            if (r.length < cols) ROW.set(r = new float[cols]);
            c = 0;
            for (; c < bound; c += F.length()) {
                FloatVector.fromArray(F, x, o + c).mul(s).add(ROUND).sub(ROUND).max(-128f).min(127f).intoArray(r, c);
            }
            for (int i = 0; i < bound; i++) q[o + i] = (short) r[i];
            for (; c < cols; c++) {
                float v = (float) Math.rint(x[o + c] * s); // float product, then round half to even
                q[o + c] = (short) Math.max(-128f, Math.min(127f, v));
            }
        }
        return tokens == buf.tokens ? buf : new QuantizedActivations(tokens, cols, q, scales);
    }
}
