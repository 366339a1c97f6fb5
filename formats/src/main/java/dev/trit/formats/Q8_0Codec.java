package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q8_0 (ggml-common.h block_q8_0): blocks of 32 weights, 34 bytes: fp16 scale d, then 32
 * int8 quants; value = q * d. Encoding follows quantize_row_q8_0_ref: amax = max |x| of the block,
 * d = amax / 127 (float), id = 1/d (0 if d is 0), q = roundf(x * id), d stored as fp16.
 */
public final class Q8_0Codec implements BlockCodec {
    public static final Q8_0Codec INSTANCE = new Q8_0Codec();
    private static final int QK = 32, BYTES = 34;

    private Q8_0Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        for (int b = 0; b < count / QK; b++) {
            long base = (long) b * BYTES;
            float d = Half.f16ToFloat(src.get(Layouts.I16, base));
            for (int j = 0; j < QK; j++) dst[dstOffset + b * QK + j] = src.get(Layouts.I8, base + 2 + j) * d;
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        for (int b = 0; b < count / QK; b++) {
            int x = srcOffset + b * QK;
            long base = (long) b * BYTES;
            float amax = 0f;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[x + j]));
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(Layouts.I16, base, Half.floatToF16(d));
            for (int j = 0; j < QK; j++) dst.set(Layouts.I8, base + 2 + j, (byte) (int) Half.roundAway(src[x + j] * id));
        }
    }
}
