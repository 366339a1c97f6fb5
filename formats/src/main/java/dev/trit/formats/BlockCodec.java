package dev.trit.formats;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Converts between float values and the bytes of one ggml tensor type. Encoders are bit-exact with
 * ggml's reference quantizers ({@code quantize_row_*_ref} in ggml-quants.c, which gguf-py's numpy
 * quantizers reproduce; for IQ4_NL the quantize_iq4_nl path llama-quantize runs), without an importance
 * matrix, scales rounded to fp16 the same way.
 *
 * <p>{@code src}/{@code dst} segments start at a block boundary and {@code count} is a whole number of
 * blocks. Segments are little-endian byte images (a slice of a mapped file, or
 * {@code MemorySegment.ofArray(byte[])}). I2_S is a whole-tensor format: its segment must be the
 * entire tensor (see {@link I2sCodec}).
 */
public sealed interface BlockCodec permits F32Codec, F16Codec, Bf16Codec, Q8_0Codec, Q4_0Codec, Q4_1Codec, Q5_0Codec, Q5_1Codec,
        Q2_KCodec, Q3_KCodec, Q4_KCodec, Q5_KCodec, Q6_KCodec, IQ4_NLCodec, TernaryCodec {
    GgmlType type();

    /** Decodes {@code count} values from {@code src} into {@code dst[dstOffset ..]}. */
    void decode(MemorySegment src, float[] dst, int dstOffset, int count);

    /** Encodes {@code src[srcOffset .. +count]} into {@code dst} ({@code type().bytesFor(count)} bytes). */
    void encode(float[] src, int srcOffset, int count, MemorySegment dst);

    /**
     * Decodes {@code count} values starting at element {@code first} of a tensor whose complete data is
     * {@code tensor}; {@code first} and {@code count} must fall on block boundaries. Lets callers walk
     * tensors of more than 2^31 elements row by row.
     */
    default void decodeRange(MemorySegment tensor, long first, float[] dst, int dstOffset, int count) {
        checkStart(type(), first);
        decode(tensor.asSlice(first / type().blockSize() * type().blockBytes()), dst, dstOffset, count);
    }

    default float[] decode(MemorySegment src, int count) {
        float[] out = new float[count];
        decode(src, out, 0, count);
        return out;
    }

    default byte[] encode(float[] values) {
        byte[] out = new byte[Math.toIntExact(type().bytesFor(values.length))];
        encode(values, 0, values.length, MemorySegment.ofArray(out));
        return out;
    }

    /** The codec for a type, if there is one (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K,
     * Q5_K, Q6_K, IQ4_NL, TQ1_0, TQ2_0, I2_S). */
    static Optional<BlockCodec> find(GgmlType type) {
        return Optional.ofNullable(switch (type) {
            case F32 -> F32Codec.INSTANCE;
            case F16 -> F16Codec.INSTANCE;
            case BF16 -> Bf16Codec.INSTANCE;
            case Q8_0 -> Q8_0Codec.INSTANCE;
            case Q4_0 -> Q4_0Codec.INSTANCE;
            case Q4_1 -> Q4_1Codec.INSTANCE;
            case Q5_0 -> Q5_0Codec.INSTANCE;
            case Q5_1 -> Q5_1Codec.INSTANCE;
            case Q2_K -> Q2_KCodec.INSTANCE;
            case Q3_K -> Q3_KCodec.INSTANCE;
            case Q4_K -> Q4_KCodec.INSTANCE;
            case Q5_K -> Q5_KCodec.INSTANCE;
            case Q6_K -> Q6_KCodec.INSTANCE;
            case IQ4_NL -> IQ4_NLCodec.INSTANCE;
            case TQ1_0 -> Tq1Codec.INSTANCE;
            case TQ2_0 -> Tq2Codec.INSTANCE;
            case I2_S -> I2sCodec.INSTANCE;
            default -> null;
        });
    }

    /** The codec for a type; IllegalArgumentException naming the type if it has none. */
    static BlockCodec of(GgmlType type) {
        return find(type).orElseThrow(() -> new IllegalArgumentException("no codec for ggml type " + type));
    }

    /** Checks that element {@code first} starts a block (IllegalArgumentException). */
    static void checkStart(GgmlType type, long first) {
        if (first < 0 || first % type.blockSize() != 0) throw new IllegalArgumentException("element " + first + " is not at a " + type + " block boundary");
    }

    /** Checks a count against the block size (IllegalArgumentException). */
    static void checkBlocks(GgmlType type, int count) {
        if (count < 0 || count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values is not a whole number of " + type + " blocks of " + type.blockSize());
        }
    }
}
