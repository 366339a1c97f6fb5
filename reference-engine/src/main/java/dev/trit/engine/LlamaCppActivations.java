package dev.trit.engine;

import dev.trit.engine.StoredMatrix.VecDot;

/**
 * The activations as llama.cpp's CPU backend multiplies them: before a matrix product ggml-cpu converts
 * each activation row to the weight type's {@code vec_dot_type} (ggml-cpu.c {@code type_traits_cpu}) and
 * the dot product then runs on the quantized values. This class rounds a row the same way and writes
 * the values those quants stand for (quant times scale, in float), so a float dot product with the
 * dequantized weights gives ggml's integer block dot up to float rounding:
 * <ul>
 *   <li>Q8_0 and Q8_1 (Q4_0, Q5_0, Q8_0, IQ4_NL; Q4_1, Q5_1): blocks of 32, as x86's AVX2
 *       {@code quantize_row_q8_0}/{@code _q8_1} (the machine the oracle numbers come from): amax = max|x|,
 *       d = fp16(amax / 127), q = round-half-even(x * (127 / amax)); value = q * d. (The scalar
 *       {@code quantize_row_q8_0_ref} multiplies by 1 / (amax / 127) and rounds half away from zero:
 *       both differ from this only on exact ties or one ulp of the multiplier.) Q8_1's extra block sum
 *       s = fp16(d * sum q) enters ggml's Q4_1/Q5_1 dot as m * s where this gives m * fp16(d) * sum q: the
 *       two differ by the fp16 rounding of s.</li>
 *   <li>Q8_K (Q2_K .. Q6_K): super-blocks of 256 as {@code quantize_row_q8_K_ref}: max = the element of
 *       largest magnitude (the first one), iscale = -127 / max, q = min(127, round-half-even(iscale * x)),
 *       d = 1 / iscale in float (not fp16); value = q * d.</li>
 *   <li>F16 / BF16 weights: the activations rounded to fp16 / bf16 (nearest even).</li>
 * </ul>
 */
public final class LlamaCppActivations {
    private LlamaCppActivations() {
    }

    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, half to even (ggml's nearest_int). */
    private static final float ROUND = 12582912f;

    /**
     * Rounds tokens rows of cols values of x as ggml-cpu's type would hold them, into out (which may be x).
     * F32 copies. Block types need cols to be whole blocks.
     */
    public static void roundTrip(VecDot type, float[] x, int tokens, int cols, float[] out) {
        int n = tokens * cols;
        switch (type) {
            case F32 -> {
                if (out != x) System.arraycopy(x, 0, out, 0, n);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = FloatDecoder.roundToBf16(x[i]);
            }
            case Q8_0, Q8_1 -> {
                if (cols % 32 != 0) throw new IllegalArgumentException(cols + " columns are not whole Q8_0 blocks of 32");
                for (int b = 0; b < n; b += 32) q8_0(x, b, out);
            }
            case Q8_K -> {
                if (cols % 256 != 0) throw new IllegalArgumentException(cols + " columns are not whole Q8_K blocks of 256");
                for (int b = 0; b < n; b += 256) q8_K(x, b, out);
            }
        }
    }

    private static void q8_0(float[] x, int o, float[] out) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
        float id = amax != 0f ? 127f / amax : 0f;
        for (int j = 0; j < 32; j++) {
            float q = (x[o + j] * id + ROUND) - ROUND;
            out[o + j] = q * d;
        }
    }

    private static void q8_K(float[] x, int o, float[] out) {
        short[] q = Q8K_ROW.get();
        float d = q8K(x, o, q, 0);
        for (int j = 0; j < 256; j++) out[o + j] = q[j] * d;
    }

    private static final ThreadLocal<short[]> Q8K_ROW = ThreadLocal.withInitial(() -> new short[256]);

    /**
     * The Q8_K block of 256 values at x[o..] as {@code quantize_row_q8_K_ref}: the quants into q[qo..],
     * the block's d returned (0 with all quants 0 for an all-zero block). The one definition of the
     * rounding, for {@link #roundTrip} and for the integer products ({@link Q8KActivations}).
     */
    static float q8K(float[] x, int o, short[] q, int qo) {
        float max = 0f, amax = 0f;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[o + j]);
            if (ax > amax) {
                amax = ax;
                max = x[o + j];
            }
        }
        if (amax == 0f) {
            java.util.Arrays.fill(q, qo, qo + 256, (short) 0);
            return 0f;
        }
        float iscale = -127f / max;
        for (int j = 0; j < 256; j++) q[qo + j] = (short) Math.min(127f, (iscale * x[o + j] + ROUND) - ROUND);
        return 1f / iscale;
    }
}
