package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * A codec for ternary weights. Besides floats, it exposes the trits and scales themselves, so weights
 * can stay packed and be repacked between formats without passing through float arithmetic.
 */
public sealed interface TernaryCodec extends BlockCodec permits Tq1Codec, Tq2Codec, I2sCodec {
    /** Unpacks {@code count} weights: trits and the scale of each group. */
    TernaryValues decodeTernary(MemorySegment src, int count);

    /**
     * Unpacks {@code count} weights starting at element {@code first} of a tensor whose complete data is
     * {@code tensor}; {@code first} and {@code count} must fall on block boundaries. Lets a loader walk
     * a tensor a few rows at a time instead of unpacking it whole.
     */
    default TernaryValues decodeTernaryRange(MemorySegment tensor, long first, int count) {
        if (first % type().blockSize() != 0) throw new IllegalArgumentException("element " + first + " is not at a " + type() + " block boundary");
        return decodeTernary(tensor.asSlice(first / type().blockSize() * type().blockBytes()), count);
    }

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
