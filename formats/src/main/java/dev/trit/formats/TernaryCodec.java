package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * A codec for ternary weights. Besides floats, it exposes the trits and scales themselves, so weights
 * can stay packed and be repacked between formats without passing through float arithmetic.
 */
public sealed interface TernaryCodec extends BlockCodec permits Tq1Codec, Tq2Codec, I2sCodec {
    /** Unpacks {@code count} weights: trits and the scale of each group. */
    TernaryValues decodeTernary(MemorySegment src, int count);

    /** Packs trits and scales; the group size must be this format's. */
    void encodeTernary(TernaryValues values, MemorySegment dst);

    /** Weights sharing one scale in this format, for a tensor of {@code count} weights. */
    int groupSize(int count);

    default byte[] encodeTernary(TernaryValues values) {
        byte[] out = new byte[Math.toIntExact(type().bytesFor(values.size()))];
        encodeTernary(values, MemorySegment.ofArray(out));
        return out;
    }
}
