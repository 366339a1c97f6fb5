package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q5_K (ggml-common.h block_q5_K): super-blocks of 256 weights in 176 bytes: fp16 d, fp16
 * dmin, scales[12] (eight 6-bit scales and mins, packed as Q4_K's), qh[32] (fifth bits), then qs[128]
 * (low nibbles). Weight i = 64c + 32h + l (c 0..3, h 0..1, l 0..31): low 4 bits are the low (h 0) or
 * high (h 1) nibble of qs[32c + l], the fifth bit is bit 2c + h of qh[l]; its sub-block is i / 32.
 * Value = (d * scale_j) * q - (dmin * min_j), in float, as dequantize_row_q5_K.
 *
 * <p>Encoding follows quantize_row_q5_K_ref, which quantize_q5_K (llama-quantize) runs without an
 * importance matrix: as Q4_K's (see {@link KQuants.ScaleMinK4}) with nmax 31 and make_qkx2_quants'
 * search rmin -0.5, rdelta 0.1, 15 steps.
 */
public final class Q5_KCodec implements BlockCodec {
    public static final Q5_KCodec INSTANCE = new Q5_KCodec();
    private static final int QK = 256;
    /** block_q5_K: d, dmin, scales[12] (K_SCALE_SIZE), qh[32], qs[128]. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q5_K, QK, 2 + 2 + 12 + QK / 8 + QK / 2);
    private static final int D = 0, DMIN = 2, SCALES = 4, QH = 16, QS = 48;

    private Q5_KCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
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
                for (int l = 0; l < 32; l++) dst[y0 + l] = d1 * ((b[q0 + l] & 0xF) + ((b[QH + l] >>> 2 * c & 1) << 4)) - m1;
                for (int l = 0; l < 32; l++) dst[y0 + 32 + l] = d2 * (((b[q0 + l] & 0xFF) >>> 4) + ((b[QH + l] >>> 2 * c + 1 & 1) << 4)) - m2;
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
            work.quantize(src, srcOffset + blk * QK, 31, -0.5f, 0.1f, 15, b, D, DMIN, SCALES, levels);
            for (int l = 0; l < 32; l++) b[QH + l] = 0;
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int l1 = levels[64 * c + l], l2 = levels[64 * c + 32 + l];
                    if (l1 > 15) {
                        l1 -= 16;
                        b[QH + l] |= (byte) (1 << 2 * c);
                    }
                    if (l2 > 15) {
                        l2 -= 16;
                        b[QH + l] |= (byte) (2 << 2 * c);
                    }
                    b[QS + 32 * c + l] = (byte) (l1 | l2 << 4);
                }
            }
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
