package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_Q6_K (ggml-common.h block_q6_K): super-blocks of 256 weights in 210 bytes: ql[128] (low 4
 * bits of each 6-bit quant), qh[64] (high 2 bits), scales[16] (int8, one per group of 16 weights), then
 * the fp16 super-scale d at byte 208. Value = d * scale[group] * (q - 32), in float, in that order (as
 * dequantize_row_q6_K). (d * scale is exact in float, fp16 times int8 needing at most 19 significant
 * bits, so the product is rounded once whatever the order.)
 *
 * <p>Packing, per half h (weights 128h .. 128h+127) and l in 0..31: weight 128h+l is the low nibble of
 * ql[64h+l], 128h+32+l the low nibble of ql[64h+32+l], 128h+64+l the high nibble of ql[64h+l],
 * 128h+96+l the high nibble of ql[64h+32+l]; their high 2 bits are bits 0-1, 2-3, 4-5, 6-7 of
 * qh[32h+l]. Weight i's scale is scales[i / 16].
 *
 * <p>Encoding follows quantize_row_q6_K_ref (no importance matrix, which is what llama-quantize does
 * without --imatrix): each group of 16 gets a float scale from make_qx_quants(nmax 32, weights x^2);
 * the scale of largest magnitude sets d = max_scale / -128 (fp16), each group's scale becomes
 * min(127, round(-128 * scale / max_scale)), and the weights are re-rounded against the stored
 * d * scale, clamped to [-32, 31]. Rounding is ggml's nearest_int (round half to even). Byte-identical
 * with llama-quantize's Q6_K tensors (LlamaQuantizeFilesTest) and with ggml's C
 * (GgmlQuantsOracleTest).
 */
public final class Q6_KCodec implements BlockCodec {
    public static final Q6_KCodec INSTANCE = new Q6_KCodec();
    private static final int QK = 256;
    /** block_q6_K: ql[128], qh[64], scales[16], d. */
    private static final int BYTES = KQuants.blockBytes(GgmlType.Q6_K, QK, QK / 2 + QK / 4 + QK / 16 + 2);
    private static final int QH = 128, SCALES = 192, D = 208;
    /** ggml-quants.c's GROUP_MAX_EPS: groups (and blocks) whose largest magnitude is below it are zero. */
    private static final float GROUP_MAX_EPS = KQuants.GROUP_MAX_EPS;

    private Q6_KCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] b = new byte[BYTES];
        for (int blk = 0; blk < count / QK; blk++) {
            KQuants.load(src, (long) blk * BYTES, b, BYTES);
            float d = KQuants.half(b, D);
            int y = dstOffset + blk * QK;
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int ql0 = b[64 * h + l] & 0xFF, ql1 = b[64 * h + 32 + l] & 0xFF, qh = b[QH + 32 * h + l] & 0xFF;
                    int i = y + 128 * h + l, s = SCALES + 8 * h + l / 16;
                    dst[i] = d * b[s] * (((ql0 & 0xF) | (qh & 3) << 4) - 32);
                    dst[i + 32] = d * b[s + 2] * (((ql1 & 0xF) | (qh >> 2 & 3) << 4) - 32);
                    dst[i + 64] = d * b[s + 4] * (((ql0 >> 4) | (qh >> 4 & 3) << 4) - 32);
                    dst[i + 96] = d * b[s + 6] * (((ql1 >> 4) | (qh >> 6 & 3) << 4) - 32);
                }
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        byte[] levels = new byte[QK]; // 0..63 (ggml's L: quant + 32)
        float[] scales = new float[QK / 16];
        for (int b = 0; b < count / QK; b++) {
            int x = srcOffset + b * QK;
            long base = (long) b * BYTES;
            float maxScale = 0f, maxAbsScale = 0f;
            for (int g = 0; g < QK / 16; g++) {
                float s = KQuants.makeQxQuants(16, 32, src, x + 16 * g, levels, 16 * g, null, 0);
                scales[g] = s;
                if (Math.abs(s) > maxAbsScale) {
                    maxAbsScale = Math.abs(s);
                    maxScale = s;
                }
            }
            if (maxAbsScale < GROUP_MAX_EPS) {
                dst.asSlice(base, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            short dBits = Half.floatToF16(1f / iscale);
            float dStored = Half.f16ToFloat(dBits);
            byte[] sc = new byte[QK / 16];
            for (int g = 0; g < QK / 16; g++) sc[g] = (byte) Math.min(127, nearestInt(iscale * scales[g]));
            // re-round every weight against the scale the decoder will see
            for (int g = 0; g < QK / 16; g++) {
                float d = dStored * sc[g];
                if (d == 0f) continue; // keeps make_qx_quants' levels; they decode to 0 anyway
                for (int i = 0; i < 16; i++) {
                    int l = Math.max(-32, Math.min(31, nearestInt(src[x + 16 * g + i] / d)));
                    levels[16 * g + i] = (byte) (l + 32);
                }
            }
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int j = 128 * h + l;
                    int q1 = levels[j], q2 = levels[j + 32], q3 = levels[j + 64], q4 = levels[j + 96];
                    dst.set(Layouts.I8, base + 64 * h + l, (byte) (q1 & 0xF | (q3 & 0xF) << 4));
                    dst.set(Layouts.I8, base + 64 * h + 32 + l, (byte) (q2 & 0xF | (q4 & 0xF) << 4));
                    dst.set(Layouts.I8, base + QH + 32 * h + l, (byte) (q1 >> 4 | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
                }
            }
            for (int g = 0; g < QK / 16; g++) dst.set(Layouts.I8, base + SCALES + g, sc[g]);
            dst.set(Layouts.I16, base + D, dBits);
        }
    }

    /**
     * ggml's nearest_int: adding 1.5 * 2^23 leaves the rounded integer (round half to even, float
     * addition's rounding) in the low mantissa bits; valid for |v| < 2^22, as ggml asserts.
     */
    static int nearestInt(float v) {
        return KQuants.nearestInt(v);
    }
}
