package dev.trit.formats;

/**
 * float16 and bfloat16 conversions as ggml does them. float -> float16 rounds to nearest even, keeps
 * infinities, turns overflow into infinity and NaN into NaN (Float.floatToFloat16, the same results as
 * F16C's vcvtps2ph and numpy's astype(float16)). float -> bfloat16 follows ggml_compute_fp32_to_bf16:
 * round to nearest even on the top 16 bits, NaN made quiet by setting bit 6 of the result.
 */
public final class Half {
    private Half() {
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7FFF_FFFF) > 0x7F80_0000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }

    /** C's roundf / lroundf: nearest integer, halfway cases away from zero (exact for every float). */
    static float roundAway(float x) {
        double a = Math.floor(Math.abs((double) x) + 0.5);
        return (float) Math.copySign(a, x);
    }
}
