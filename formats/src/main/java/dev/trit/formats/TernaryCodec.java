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
     * {@code tensor} ({@code first} and {@code count} on block boundaries) into {@code trits[0 .. count)},
     * and the scale of each group they cover into {@code scales}: one per 256-weight block for TQ1_0 and
     * TQ2_0, the tensor's one scale in {@code scales[0]} for I2_S (the range is one group, see {@link
     * #groupSize}). Into the caller's arrays, so a loader walking a tensor a few rows at a time
     * allocates nothing per step.
     */
    void decodeTernaryRange(MemorySegment tensor, long first, int count, byte[] trits, float[] scales);

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
