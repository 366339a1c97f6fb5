package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q3_K (ggml-common.h block_q3_K): super-blocks of 256 weights in 110 bytes: hmask[32] (high
 * bit of each 3-bit quant), qs[64] (low 2 bits), scales[12] (sixteen 6-bit scales), then fp16 d. Weight
 * i = 128h + 32k + m (h 0..1, k 0..3, m 0..31): low bits are bits 2k..2k+1 of qs[32h + m], the high
 * bit is bit i / 32 of hmask[i % 32]. Group g = i / 16 has scale s_g: its low 4 bits are the low nibble
 * of scales[g] (g < 8) or the high nibble of scales[g - 8], its top 2 bits are bits 2(g / 4).. of
 * scales[8 + g % 4]. Value = (d * (s_g - 32)) * (low - (high ? 0 : 4)), in float, as
 * dequantize_row_q3_K.
 *
 * <p>Encoding follows quantize_row_q3_K_ref, which quantize_q3_K (llama-quantize) runs without an
 * importance matrix: each group gets a float scale from make_q3_quants(nmax 4, rmse); the scale of
 * largest magnitude sets iscale = -32 / max_scale and d = fp16(1 / iscale); each group's scale becomes
 * clamp(nearest_int(iscale * scale), -32, 31) + 32; weights are re-rounded against the stored
 * d * (s - 32), clamped to -4..3 (groups whose stored scale is 0 keep make_q3_quants' levels).
 */
public final class Q3_KCodec implements BlockCodec {
    public static final Q3_KCodec INSTANCE = new Q3_KCodec();
    private static final int QK = 256;
    /** block_q3_K: hmask[32], qs[64], scales[12], d. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q3_K, QK, QK / 8 + QK / 4 + 12 + 2);
    private static final int QS = 32, SCALES = 96, D = 108;

    private Q3_KCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    /** The 6-bit scale (0..63, stored offset 32) of group g. */
    private static int scale(byte[] b, int g) {
        int lo = g < 8 ? b[SCALES + g] & 0xF : (b[SCALES + g - 8] & 0xFF) >>> 4;
        return lo | ((b[SCALES + 8 + g % 4] >>> 2 * (g / 4)) & 3) << 4;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float dAll = KQuants.half(b, D);
            int y = dstOffset + blk * QK;
            for (int g = 0; g < QK / 16; g++) {
                float dl = dAll * (scale(b, g) - 32);
                int h = g / 8, k = g % 8 / 2, q0 = QS + 32 * h + 16 * (g % 2), m0 = 16 * (g % 2), bit = 4 * h + k;
                for (int l = 0; l < 16; l++) {
                    int q = (b[q0 + l] >>> 2 * k) & 3;
                    int hi = (b[m0 + l] >>> bit) & 1;
                    dst[y + 16 * g + l] = dl * (q - (hi != 0 ? 0 : 4));
                }
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        byte[] levels = new byte[QK];
        float[] scales = new float[QK / 16];
        for (int blk = 0; blk < count / QK; blk++) {
            int x = srcOffset + blk * QK;
            java.util.Arrays.fill(b, (byte) 0);
            float maxScale = 0, amax = 0;
            for (int g = 0; g < QK / 16; g++) {
                scales[g] = KQuants.makeQ3Quants(16, 4, src, x + 16 * g, levels, 16 * g);
                float s = Math.abs(scales[g]);
                if (s > amax) {
                    amax = s;
                    maxScale = scales[g];
                }
            }
            if (maxScale != 0f) {
                float iscale = -32f / maxScale;
                for (int g = 0; g < QK / 16; g++) {
                    int l = (byte) KQuants.nearestInt(iscale * scales[g]); // ggml stores it in an int8_t first
                    l = Math.max(-32, Math.min(31, l)) + 32;
                    if (g < 8) b[SCALES + g] = (byte) (l & 0xF);
                    else b[SCALES + g - 8] |= (byte) ((l & 0xF) << 4);
                    b[SCALES + 8 + g % 4] |= (byte) ((l >> 4) << 2 * (g / 4));
                }
                KQuants.putHalf(b, D, 1 / iscale);
            } else {
                KQuants.putHalf(b, D, 0f);
            }
            float dAll = KQuants.half(b, D);
            for (int g = 0; g < QK / 16; g++) {
                float d = dAll * (scale(b, g) - 32);
                if (d == 0f) continue;
                for (int i = 0; i < 16; i++) {
                    int l = Math.max(-4, Math.min(3, KQuants.nearestInt(src[x + 16 * g + i] / d)));
                    levels[16 * g + i] = (byte) (l + 4);
                }
            }
            for (int j = 0; j < QK; j++) {
                if (levels[j] > 3) {
                    b[j % 32] |= (byte) (1 << j / 32);
                    levels[j] -= 4;
                }
            }
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int j = 128 * h + l;
                    b[QS + 32 * h + l] = (byte) (levels[j] | levels[j + 32] << 2 | levels[j + 64] << 4 | levels[j + 96] << 6);
                }
            }
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
