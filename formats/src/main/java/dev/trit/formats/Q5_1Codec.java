package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q5_1 (ggml-common.h block_q5_1): blocks of 32 weights, 24 bytes: fp16 scale d, fp16 min m,
 * qh (4 bytes, a little-endian uint32 whose bit j is the fifth bit of weight j), then 16 bytes of low
 * nibbles; byte j holds weight j (low nibble) and weight j+16 (high nibble). Value = q * d + m, in float
 * (dequantize_row_q5_1). Encoding follows quantize_row_q5_1_ref (quantize_q5_1 without an importance
 * matrix): d = (max - min) / 31, id = 1/d, q = (uint8) ((x - min) * id + 0.5).
 */
public final class Q5_1Codec implements BlockCodec {
    public static final Q5_1Codec INSTANCE = new Q5_1Codec();
    private static final int QK = 32;
    /** sizeof(block_q5_1): d, m, qh[4], qs[16] */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q5_1, QK, 2 + 2 + 4 + QK / 2);

    private Q5_1Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, 0), m = KQuants.half(b, 2);
            int qh = b[4] & 0xFF | (b[5] & 0xFF) << 8 | (b[6] & 0xFF) << 16 | (b[7] & 0xFF) << 24;
            int y = dstOffset + blk * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = b[8 + j] & 0xFF;
                int x0 = (q & 0x0F) | (qh >>> j & 1) << 4;
                int x1 = (q >>> 4) | (qh >>> (j + 16) & 1) << 4;
                dst[y + j] = x0 * d + m;
                dst[y + j + QK / 2] = x1 * d + m;
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
            float d = (max - min) / 31;
            float id = d != 0f ? 1f / d : 0f;
            KQuants.putHalf(b, 0, d);
            KQuants.putHalf(b, 2, min);
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int q0 = (int) ((src[x + j] - min) * id + 0.5f) & 0xFF;
                int q1 = (int) ((src[x + QK / 2 + j] - min) * id + 0.5f) & 0xFF;
                b[8 + j] = (byte) ((q0 & 0x0F) | (q1 & 0x0F) << 4);
                qh |= (q0 >>> 4 & 1) << j | (q1 >>> 4 & 1) << (j + QK / 2);
            }
            for (int k = 0; k < 4; k++) b[4 + k] = (byte) (qh >>> 8 * k);
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
