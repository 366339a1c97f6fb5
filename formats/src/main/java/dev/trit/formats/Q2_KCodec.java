package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q2_K (ggml-common.h block_q2_K): super-blocks of 256 weights in 84 bytes: scales[16] (per
 * group of 16 weights: 4-bit scale in the low nibble, 4-bit min in the high nibble), qs[64] (2-bit
 * quants), then fp16 d and fp16 dmin. Weight i = 128h + 32k + m (h 0..1, k 0..3, m 0..31) is bits
 * 2k..2k+1 of qs[32h + m]; its group is i / 16. Value = (d * scale) * q - (dmin * min), in float, as
 * dequantize_row_q2_K.
 *
 * <p>Encoding follows quantize_row_q2_K_ref, which is what quantize_q2_K (llama-quantize) runs without
 * an importance matrix: each group gets (scale, min) from make_qkx2_quants(nmax 3, weights |x|,
 * rmin -0.5, rdelta 0.1, 15 steps, absolute error); d = max_scale / 15 and dmin = max_min / 15 (fp16),
 * the 4-bit scale/min = nearest_int(15 / max * value); then every weight is re-rounded against the
 * stored d * scale and dmin * min (groups whose stored scale is 0 keep make_qkx2_quants' levels).
 */
public final class Q2_KCodec implements BlockCodec {
    public static final Q2_KCodec INSTANCE = new Q2_KCodec();
    private static final int QK = 256;
    /** block_q2_K: scales[16], qs[64], d, dmin. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q2_K, QK, QK / 16 + QK / 4 + 2 + 2);
    private static final int QS = 16, D = 80, DMIN = 82;

    private Q2_KCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, D), min = KQuants.half(b, DMIN);
            int y = dstOffset + blk * QK;
            for (int g = 0; g < QK / 16; g++) {
                int sc = b[g] & 0xFF;
                float dl = d * (sc & 0xF), ml = min * (sc >>> 4);
                int h = g / 8, shift = 2 * (g % 8 / 2), q0 = QS + 32 * h + 16 * (g % 2);
                for (int l = 0; l < 16; l++) dst[y + 16 * g + l] = dl * ((b[q0 + l] >>> shift) & 3) - ml;
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        byte[] levels = new byte[QK], laux = new byte[16];
        float[] weights = new float[16], scales = new float[QK / 16], mins = new float[QK / 16];
        final float q4scale = 15f;
        for (int blk = 0; blk < count / QK; blk++) {
            int x = srcOffset + blk * QK;
            float maxScale = 0, maxMin = 0;
            for (int g = 0; g < QK / 16; g++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(src[x + 16 * g + l]);
                scales[g] = KQuants.makeQkx2Quants(16, 3, src, x + 16 * g, weights, levels, 16 * g, mins, g, laux, -0.5f, 0.1f, 15, true);
                if (scales[g] > maxScale) maxScale = scales[g];
                if (mins[g] > maxMin) maxMin = mins[g];
            }
            int[] sc = new int[QK / 16];
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int g = 0; g < QK / 16; g++) sc[g] = KQuants.nearestInt(iscale * scales[g]) & 0xFF;
                KQuants.putHalf(b, D, maxScale / q4scale);
            } else {
                KQuants.putHalf(b, D, 0f);
            }
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int g = 0; g < QK / 16; g++) sc[g] = (sc[g] | KQuants.nearestInt(iscale * mins[g]) << 4) & 0xFF;
                KQuants.putHalf(b, DMIN, maxMin / q4scale);
            } else {
                KQuants.putHalf(b, DMIN, 0f);
            }
            float dAll = KQuants.half(b, D), mAll = KQuants.half(b, DMIN);
            for (int g = 0; g < QK / 16; g++) {
                b[g] = (byte) sc[g];
                float d = dAll * (sc[g] & 0xF);
                if (d == 0f) continue;
                float dm = mAll * (sc[g] >>> 4);
                for (int i = 0; i < 16; i++) levels[16 * g + i] = (byte) Math.max(0, Math.min(3, KQuants.nearestInt((src[x + 16 * g + i] + dm) / d)));
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
