package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q4_1 (ggml-common.h block_q4_1): blocks of 32 weights, 20 bytes: fp16 scale d, fp16 min m,
 * then 16 bytes of nibbles; byte j holds weight j (low nibble) and weight j+16 (high nibble). Value =
 * q * d + m, in float (dequantize_row_q4_1). Encoding follows quantize_row_q4_1_ref (what quantize_q4_1
 * does without an importance matrix): min and max of the block, d = (max - min) / 15, id = 1/d,
 * q = min(15, (int8) ((x - min) * id + 0.5)), from the unrounded min and id.
 */
public final class Q4_1Codec implements BlockCodec {
    public static final Q4_1Codec INSTANCE = new Q4_1Codec();
    private static final int QK = 32;
    /** sizeof(block_q4_1): d, m, qs[16] */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q4_1, QK, 2 + 2 + QK / 2);

    private Q4_1Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, 0), m = KQuants.half(b, 2);
            int y = dstOffset + blk * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = b[4 + j] & 0xFF;
                dst[y + j] = (q & 0x0F) * d + m;
                dst[y + j + QK / 2] = (q >>> 4) * d + m;
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            int x = srcOffset + blk * QK;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = src[x + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0f ? 1f / d : 0f;
            KQuants.putHalf(b, 0, d);
            KQuants.putHalf(b, 2, min);
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (byte) (int) ((src[x + j] - min) * id + 0.5f));
                int q1 = Math.min(15, (byte) (int) ((src[x + QK / 2 + j] - min) * id + 0.5f));
                b[4 + j] = (byte) (q0 | q1 << 4);
            }
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
