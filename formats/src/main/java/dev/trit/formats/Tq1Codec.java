package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_TQ1_0 (ggml-common.h block_tq1_0; llama.cpp PR #8151): blocks of 256 weights, 54 bytes:
 * {@code qs[48]}, {@code qh[4]}, then the fp16 scale d. Codes (trit + 1, 0..2) are packed five per byte
 * as a base-3 number, first code most significant, stored as ceil(n * 256 / 243) so a code can be
 * extracted with a multiply and a shift: code k of byte q is ((uint8) (q * 3^k) * 3) >> 8.
 * <ul>
 *   <li>qs[0..31]: byte m holds weights m + 32k, k = 0..4 (weights 0..159)</li>
 *   <li>qs[32..47]: byte 32+m holds weights 160 + m + 16k, k = 0..4 (weights 160..239)</li>
 *   <li>qh[0..3]: byte j holds weights 240 + j + 4k, k = 0..3, and a fifth code of 0</li>
 * </ul>
 * Encoding follows quantize_row_tq1_0_ref (d = max |x|, trit = lroundf(x / d)); decoding follows
 * dequantize_row_tq1_0. Every byte decodes to valid codes, so any block is a valid ternary block.
 */
public final class Tq1Codec implements TernaryCodec {
    public static final Tq1Codec INSTANCE = new Tq1Codec();
    private static final int QK = 256, BYTES = 54, QH_AT = 48, D_AT = 52;
    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    private Tq1Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.TQ1_0;
    }

    @Override
    public int groupSize(int count) {
        return QK;
    }

    /**
     * Code k (trit + 1, 0..2) of a stored byte q, as ggml's dequantize_row_tq1_0: ((q * 3^k) mod 256) * 3 >> 8.
     * Public for the engine's kernels over TQ1_0 bytes in place.
     */
    public static int code(int q, int k) {
        return (((q * POW3[k]) & 0xFF) * 3) >>> 8;
    }

    /** Unpacks the 256 codes of one block into codes[at ..]. */
    private static void unpack(MemorySegment src, long base, byte[] codes, int at) {
        for (int m = 0; m < 32; m++) {
            int q = src.get(Layouts.I8, base + m) & 0xFF;
            for (int k = 0; k < 5; k++) codes[at + k * 32 + m] = (byte) code(q, k);
        }
        for (int m = 0; m < 16; m++) {
            int q = src.get(Layouts.I8, base + 32 + m) & 0xFF;
            for (int k = 0; k < 5; k++) codes[at + 160 + k * 16 + m] = (byte) code(q, k);
        }
        for (int j = 0; j < 4; j++) {
            int q = src.get(Layouts.I8, base + QH_AT + j) & 0xFF;
            for (int k = 0; k < 4; k++) codes[at + 240 + k * 4 + j] = (byte) code(q, k);
        }
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] codes = new byte[QK];
        for (int b = 0; b < count / QK; b++) {
            long base = (long) b * BYTES;
            float d = Half.f16ToFloat(src.get(Layouts.I16, base + D_AT));
            unpack(src, base, codes, 0);
            for (int i = 0; i < QK; i++) dst[dstOffset + b * QK + i] = (codes[i] - 1) * d;
        }
    }

    @Override
    public TernaryValues decodeTernary(MemorySegment src, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] trits = new byte[count];
        float[] scales = new float[count / QK];
        decodeTernaryRange(src, 0, count, trits, scales);
        return new TernaryValues(trits, scales, QK);
    }

    @Override
    public void decodeTernaryRange(MemorySegment tensor, long first, int count, byte[] trits, float[] scales) {
        BlockCodec.checkBlocks(type(), count);
        BlockCodec.checkStart(type(), first);
        for (int b = 0; b < count / QK; b++) {
            long base = (first / QK + b) * BYTES;
            scales[b] = Half.f16ToFloat(tensor.get(Layouts.I16, base + D_AT));
            unpack(tensor, base, trits, b * QK);
        }
        for (int i = 0; i < count; i++) trits[i]--;
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        TqBlocks.encode(type(), src, srcOffset, count, dst, Tq1Codec::pack);
    }

    @Override
    public void encodeTernary(TernaryValues v, MemorySegment dst) {
        TqBlocks.encodeTernary(type(), v, dst, Tq1Codec::pack);
    }

    /** ceil(n * 256 / 243): the stored form of a 5-code base-3 number n. */
    private static byte store(int n) {
        return (byte) ((n * 256 + 242) / 243);
    }

    private static void pack(byte[] trits, int at, short d, MemorySegment dst, long base) {
        for (int m = 0; m < 32; m++) {
            int n = 0;
            for (int k = 0; k < 5; k++) n = n * 3 + trits[at + k * 32 + m] + 1;
            dst.set(Layouts.I8, base + m, store(n));
        }
        for (int m = 0; m < 16; m++) {
            int n = 0;
            for (int k = 0; k < 5; k++) n = n * 3 + trits[at + 160 + k * 16 + m] + 1;
            dst.set(Layouts.I8, base + 32 + m, store(n));
        }
        for (int j = 0; j < 4; j++) {
            int n = 0;
            for (int k = 0; k < 4; k++) n = n * 3 + trits[at + 240 + k * 4 + j] + 1;
            dst.set(Layouts.I8, base + QH_AT + j, store(n * 3));
        }
        dst.set(Layouts.I16, base + D_AT, d);
    }
}
