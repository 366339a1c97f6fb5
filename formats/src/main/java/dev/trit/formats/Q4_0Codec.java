package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q4_0 (ggml-common.h block_q4_0): blocks of 32 weights, 18 bytes: fp16 scale d, then 16
 * bytes of nibbles; byte j holds weight j (low nibble) and weight j+16 (high nibble); value =
 * (nibble - 8) * d. Encoding follows quantize_row_q4_0_ref: max = the value of largest magnitude (the
 * first one on ties), d = max / -8, id = 1/d, nibble = min(15, (int8) (x * id + 8.5)).
 */
public final class Q4_0Codec implements BlockCodec {
    public static final Q4_0Codec INSTANCE = new Q4_0Codec();
    private static final int QK = 32;
    /** block_q4_0: d, qs[16]. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q4_0, QK, 2 + QK / 2);

    private Q4_0Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        for (int b = 0; b < count / QK; b++) {
            long base = (long) b * BYTES;
            float d = Half.f16ToFloat(src.get(Layouts.I16, base));
            int y = dstOffset + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = src.get(Layouts.I8, base + 2 + j) & 0xFF;
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + QK / 2] = ((q >>> 4) - 8) * d;
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        for (int b = 0; b < count / QK; b++) {
            int x = srcOffset + b * QK;
            long base = (long) b * BYTES;
            float amax = 0f, max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = src[x + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(Layouts.I16, base, Half.floatToF16(d));
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (byte) (int) (src[x + j] * id + 8.5f));
                int q1 = Math.min(15, (byte) (int) (src[x + QK / 2 + j] * id + 8.5f));
                dst.set(Layouts.I8, base + 2 + j, (byte) (q0 | q1 << 4));
            }
        }
    }
}
