package dev.trit.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

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

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * 1.5 * 2^23: adding it to a float of magnitude below 2^22 lands in [2^23, 2^24), where floats are the
     * integers, so the sum is rounded half-to-even to an integer exactly as Math.rint would; subtracting
     * it again is exact. |x * scale| <= 127 (plus rounding) here, far inside that range.
     */
    /** Shorts with as many lanes as F (half its width), the target of the float-to-short conversion. */
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    private static final float ROUND = 12582912f;

    public static QuantizedActivations quantize(float[] x, int tokens, int cols) {
        short[] q = new short[tokens * cols];
        float[] scales = new float[tokens];
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
            c = 0;
            for (; c < bound; c += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, o + c).mul(s).add(ROUND).sub(ROUND).max(-128f).min(127f);
                ((ShortVector) v.convertShape(VectorOperators.F2S, SHORTS, 0)).intoArray(q, o + c);
            }
            for (; c < cols; c++) {
                float v = (float) Math.rint(x[o + c] * s); // float product, then round half to even
                q[o + c] = (short) Math.max(-128f, Math.min(127f, v));
            }
        }
        return new QuantizedActivations(tokens, cols, q, scales);
    }
}
