package dev.trit.formats;

import java.util.Optional;

/**
 * The element types of safetensors files, spelled as the format spells them. Declared in the order of
 * the safetensors crate's {@code Dtype} enum (increasing alignment): its serializer lays tensors out
 * by descending dtype in that order, then by name, and {@link SafetensorsWriter} does the same.
 */
public enum DType implements TensorType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
    F64(8), I64(8), U64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** The dtype spelled {@code label} (exactly, as in a safetensors header), or empty. */
    public static Optional<DType> parse(String label) {
        for (DType t : values()) if (t.name().equals(label)) return Optional.of(t);
        return Optional.empty();
    }

    /** Bytes per element. */
    public int elementBytes() {
        return bytes;
    }

    @Override
    public String label() {
        return name();
    }

    @Override
    public int blockSize() {
        return 1;
    }

    @Override
    public int blockBytes() {
        return bytes;
    }
}
