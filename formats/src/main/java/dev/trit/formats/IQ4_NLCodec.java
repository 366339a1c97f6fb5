package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_IQ4_NL (ggml-common.h block_iq4_nl): blocks of 32 weights, 18 bytes: fp16 scale d, then 16
 * bytes of 4-bit indices into the non-linear table kvalues_iq4nl; byte j holds weight j (low nibble)
 * and weight j+16 (high nibble). Value = d * kvalues_iq4nl[index], in float (dequantize_row_iq4_nl).
 *
 * <p>Encoding follows what llama-quantize runs, quantize_iq4_nl without an importance matrix, i.e.
 * quantize_row_iq4_nl_impl(32, 32, weights x^2, ntry 7) (not quantize_row_iq4_nl_ref, whose ntry is
 * -1): d = max / 127 from the value of largest magnitude; least squares scale of the indices chosen
 * with id = 1/d; then id = (itry - 127) / max for itry in -7..7, keeping the scale that maximises
 * sumqx^2 / sumq2; the block's d is that float scale in fp16, and the indices are re-chosen with
 * id = 1 / scale (the float scale, not its fp16 rounding). Index choice is best_index_int8: the last
 * table entry whose midpoint with its predecessor is <= x (ties go up). A block whose largest magnitude
 * is below GROUP_MAX_EPS gets d = 0 and every index 8 (the entry 1 that x = 0 picks).
 */
public final class IQ4_NLCodec implements BlockCodec {
    public static final IQ4_NLCodec INSTANCE = new IQ4_NLCodec();
    private static final int QK = 32;
    /** block_iq4_nl: d, qs[16]. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.IQ4_NL, QK, 2 + QK / 2);
    /** ggml-common.h kvalues_iq4nl. */
    static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final int NTRY = 7;

    private IQ4_NLCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, 0);
            int y = dstOffset + blk * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = b[2 + j] & 0xFF;
                dst[y + j] = d * VALUES[q & 0xF];
                dst[y + j + QK / 2] = d * VALUES[q >>> 4];
            }
        }
    }

    /** ggml's best_index_int8 over the 16 sorted table values: branch-free binary search on 2x. */
    static int bestIndex(float x) {
        float x2 = x + x;
        int idx = 0;
        for (int step = 8; step > 0; step >>= 1) {
            int j = idx + step;
            if (x2 >= (float) (VALUES[j - 1] + VALUES[j])) idx = j;
        }
        return idx;
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            int x = srcOffset + blk * QK;
            float amax = 0, max = 0;
            for (int j = 0; j < QK; j++) {
                float ax = Math.abs(src[x + j]);
                if (ax > amax) {
                    amax = ax;
                    max = src[x + j];
                }
            }
            float scale;
            if (amax < KQuants.GROUP_MAX_EPS) {
                scale = 0f;
            } else {
                float d = -max / VALUES[0];
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < QK; j++) {
                    float v = src[x + j];
                    float q = VALUES[bestIndex(id * v)];
                    float w = v * v;
                    sumqx += w * q * v;
                    sumq2 += w * q * q;
                }
                d = sumq2 > 0 ? sumqx / sumq2 : 0f;
                float best = d * sumqx;
                for (int itry = -NTRY; itry <= NTRY; itry++) {
                    id = (itry + VALUES[0]) / max;
                    sumqx = 0;
                    sumq2 = 0;
                    for (int j = 0; j < QK; j++) {
                        float v = src[x + j];
                        float q = VALUES[bestIndex(id * v)];
                        float w = v * v;
                        sumqx += w * q * v;
                        sumq2 += w * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scale = d;
            }
            KQuants.putHalf(b, 0, scale);
            float id = scale != 0f ? 1 / scale : 0f;
            for (int j = 0; j < QK / 2; j++) {
                int l0 = bestIndex(id * src[x + j]), l1 = bestIndex(id * src[x + QK / 2 + j]);
                b[2 + j] = (byte) (l0 | l1 << 4);
            }
            MemorySegment.copy(b, 0, dst, Layouts.I8, (long) blk * BYTES, BYTES);
        }
    }
}
