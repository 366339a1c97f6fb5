package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q5_0 (ggml-common.h block_q5_0): blocks of 32 weights, 22 bytes: fp16 scale d, qh (4 bytes,
 * a little-endian uint32 whose bit j is the fifth bit of weight j), then 16 bytes of low nibbles; byte
 * j holds weight j (low nibble) and weight j+16 (high nibble). Value = (q - 16) * d
 * (dequantize_row_q5_0). Encoding follows quantize_row_q5_0_ref (quantize_q5_0 without an importance
 * matrix): max = the value of largest magnitude (the first on ties), d = max / -16, id = 1/d,
 * q = min(31, (int8) (x * id + 16.5)).
 */
public final class Q5_0Codec implements BlockCodec {
    public static final Q5_0Codec INSTANCE = new Q5_0Codec();
    private static final int QK = 32;
    /** sizeof(block_q5_0): d, qh[4], qs[16] */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q5_0, QK, 2 + 4 + QK / 2);

    private Q5_0Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, 0);
            int qh = b[2] & 0xFF | (b[3] & 0xFF) << 8 | (b[4] & 0xFF) << 16 | (b[5] & 0xFF) << 24;
            int y = dstOffset + blk * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = b[6 + j] & 0xFF;
                int x0 = ((q & 0x0F) | (qh >>> j & 1) << 4) - 16;
                int x1 = ((q >>> 4) | (qh >>> (j + 16) & 1) << 4) - 16;
                dst[y + j] = x0 * d;
                dst[y + j + QK / 2] = x1 * d;
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            int x = srcOffset + blk * QK;
            float amax = 0f, max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = src[x + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0f ? 1f / d : 0f;
            KQuants.putHalf(b, 0, d);
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(31, (byte) (int) (src[x + j] * id + 16.5f));
                int q1 = Math.min(31, (byte) (int) (src[x + QK / 2 + j] * id + 16.5f));
                b[6 + j] = (byte) ((q0 & 0x0F) | (q1 & 0x0F) << 4);
                qh |= (q0 >>> 4 & 1) << j | (q1 >>> 4 & 1) << (j + QK / 2);
            }
            for (int k = 0; k < 4; k++) b[2 + k] = (byte) (qh >>> 8 * k);
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
