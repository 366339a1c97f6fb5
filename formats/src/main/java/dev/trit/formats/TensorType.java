package dev.trit.formats;

/**
 * The storage type of a tensor: a safetensors dtype or a ggml tensor type. Both say how many bytes a
 * given number of elements takes, so sizes and bits per weight are computed the same way everywhere.
 */
public sealed interface TensorType permits DType, GgmlType {
    /** The name as the file format spells it (safetensors "BF16", ggml "TQ2_0"). */
    String label();

    /** Elements per block (1 for plain element types). */
    int blockSize();

    /** Bytes per block. */
    int blockBytes();

    /** Bytes taken by {@code elements} elements; elements must be a multiple of the block size. */
    default long bytesFor(long elements) {
        if (elements % blockSize() != 0) {
            throw new IllegalArgumentException(elements + " elements is not a multiple of the " + label() + " block size " + blockSize());
        }
        return Math.multiplyExact(elements / blockSize(), (long) blockBytes());
    }

    /** Storage bits per element, block scales included. */
    default double bitsPerWeight() {
        return 8.0 * blockBytes() / blockSize();
    }
}
