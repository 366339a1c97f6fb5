package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q4_K (ggml-common.h block_q4_K): super-blocks of 256 weights in 144 bytes: fp16 d, fp16
 * dmin, scales[12] (eight 6-bit scales and eight 6-bit mins, packed as get_scale_min_k4 reads them, see
 * {@link KQuants#packScaleMinK4}), then qs[128]. Weight i = 64c + 32h + l (c 0..3, h 0..1, l 0..31) is
 * the low (h 0) or high (h 1) nibble of qs[32c + l]; its sub-block is j = i / 32. Value =
 * (d * scale_j) * q - (dmin * min_j), in float, as dequantize_row_q4_K.
 *
 * <p>Encoding follows quantize_row_q4_K_ref, which quantize_q4_K (llama-quantize) runs without an
 * importance matrix: each sub-block of 32 gets (scale, min) from make_qkx2_quants(nmax 15, weights
 * sqrt(mean x^2) + |x|, rmin -1, rdelta 0.1, 20 steps, squared error); d = max_scale / 63 and
 * dmin = max_min / 63 (fp16), 6-bit scale/min = min(63, (uint8) nearest_int(63 / max * value)); then
 * every weight is re-rounded against the stored d * scale and dmin * min, clamped to 0..15 (sub-blocks
 * whose stored scale is 0 keep make_qkx2_quants' levels).
 */
public final class Q4_KCodec implements BlockCodec {
    public static final Q4_KCodec INSTANCE = new Q4_KCodec();
    private static final int QK = 256;
    /** block_q4_K: d, dmin, scales[12] (K_SCALE_SIZE), qs[128]. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q4_K, QK, 2 + 2 + 12 + QK / 2);
    private static final int D = 0, DMIN = 2, SCALES = 4, QS = 16;

    private Q4_KCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, D), min = KQuants.half(b, DMIN);
            int y = dstOffset + blk * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * KQuants.scaleK4(b, SCALES, 2 * c), m1 = min * KQuants.minK4(b, SCALES, 2 * c);
                float d2 = d * KQuants.scaleK4(b, SCALES, 2 * c + 1), m2 = min * KQuants.minK4(b, SCALES, 2 * c + 1);
                int q0 = QS + 32 * c, y0 = y + 64 * c;
                for (int l = 0; l < 32; l++) dst[y0 + l] = d1 * (b[q0 + l] & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[y0 + 32 + l] = d2 * ((b[q0 + l] & 0xFF) >>> 4) - m2;
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        byte[] levels = new byte[QK];
        KQuants.ScaleMinK4 work = new KQuants.ScaleMinK4();
        for (int blk = 0; blk < count / QK; blk++) {
            work.quantize(src, srcOffset + blk * QK, 15, -1f, 0.1f, 20, b, D, DMIN, SCALES, levels);
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) b[QS + 32 * c + l] = (byte) (levels[64 * c + l] | levels[64 * c + 32 + l] << 4);
            }
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
