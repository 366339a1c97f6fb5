package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * What TQ1_0 and TQ2_0 share: blocks of 256 weights with one fp16 scale, and ggml's reference
 * quantizer for them (quantize_row_tq1_0_ref / quantize_row_tq2_0_ref: scale = max |x| of the block,
 * trit = round-half-away(x / scale)). Only the bit layout of a block differs, given as a {@link Packer}.
 */
final class TqBlocks {
    static final int QK = 256;

    /** Writes one block: trits[at .. at+256) and the scale's fp16 bits d at dst[base ..]. */
    @FunctionalInterface
    interface Packer {
        void pack(byte[] trits, int at, short d, MemorySegment dst, long base);
    }

    private TqBlocks() {
    }

    static void encode(GgmlType type, float[] src, int srcOffset, int count, MemorySegment dst, Packer packer) {
        BlockCodec.checkBlocks(type, count);
        byte[] trits = new byte[QK];
        for (int b = 0; b < count / QK; b++) {
            int x = srcOffset + b * QK;
            float amax = 0f;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[x + j]));
            float id = amax != 0f ? 1f / amax : 0f;
            for (int j = 0; j < QK; j++) trits[j] = (byte) (int) Half.roundAway(src[x + j] * id);
            packer.pack(trits, 0, Half.floatToF16(amax), dst, (long) b * type.blockBytes());
        }
    }

    static void encodeTernary(GgmlType type, TernaryValues v, MemorySegment dst, Packer packer) {
        if (v.groupSize() != QK) throw new IllegalArgumentException(type.label() + " needs groups of " + QK + ", got " + v.groupSize());
        for (int b = 0; b < v.scales().length; b++) {
            packer.pack(v.trits(), b * QK, Half.floatToF16(v.scales()[b]), dst, (long) b * type.blockBytes());
        }
    }
}
