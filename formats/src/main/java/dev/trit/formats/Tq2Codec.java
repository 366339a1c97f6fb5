package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * GGML_TYPE_TQ2_0 (ggml-common.h block_tq2_0; llama.cpp PR #8151): blocks of 256 weights, 66 bytes:
 * {@code qs[64]} then the fp16 scale d. Each byte holds four 2-bit codes (code = trit + 1): within each
 * 32-byte half j (j = 0, 32) byte j+m holds weight j*4 + n*32 + m in bits 2n..2n+1, n = 0..3.
 * Encoding follows quantize_row_tq2_0_ref: d = max |x| of the block, trit = lroundf(x / d). Decoding
 * follows dequantize_row_tq2_0, value = (code - 1) * d (code 3, which no encoder writes, gives 2d).
 */
public final class Tq2Codec implements TernaryCodec {
    public static final Tq2Codec INSTANCE = new Tq2Codec();
    private static final int QK = 256, BYTES = 66, D_AT = 64;

    private Tq2Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.TQ2_0;
    }

    @Override
    public int groupSize(int count) {
        return QK;
    }

    /** code of weight i (0..255) of the block at base. */
    private static int code(MemorySegment src, long base, int i) {
        int half = i / 128, n = (i % 128) / 32, m = i % 32;
        return ((src.get(Layouts.I8, base + half * 32 + m) & 0xFF) >>> (2 * n)) & 3;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        for (int b = 0; b < count / QK; b++) {
            long base = (long) b * BYTES;
            float d = Half.f16ToFloat(src.get(Layouts.I16, base + D_AT));
            for (int i = 0; i < QK; i++) dst[dstOffset + b * QK + i] = (code(src, base, i) - 1) * d;
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
            long block = first / QK + b, base = block * BYTES;
            scales[b] = Half.f16ToFloat(tensor.get(Layouts.I16, base + D_AT));
            for (int i = 0; i < QK; i++) {
                int c = code(tensor, base, i);
                if (c == 3) throw new IllegalArgumentException("TQ2_0 block " + block + " holds the invalid code 3 at weight " + i);
                trits[b * QK + i] = (byte) (c - 1);
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        TqBlocks.encode(type(), src, srcOffset, count, dst, Tq2Codec::pack);
    }

    @Override
    public void encodeTernary(TernaryValues v, MemorySegment dst) {
        TqBlocks.encodeTernary(type(), v, dst, Tq2Codec::pack);
    }

    private static void pack(byte[] trits, int at, short d, MemorySegment dst, long base) {
        for (int half = 0; half < 2; half++) {
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int n = 0; n < 4; n++) q |= ((trits[at + half * 128 + n * 32 + m] + 1) & 3) << (2 * n);
                dst.set(Layouts.I8, base + half * 32 + m, (byte) q);
            }
        }
        dst.set(Layouts.I16, base + D_AT, d);
    }
}
