package dev.trit.formats;

import java.util.Optional;

/**
 * ggml tensor types as GGUF files number them: ids from {@code enum ggml_type} in ggml.h, block sizes
 * and block bytes from the block structs of ggml-common.h (which gguf-py's GGML_QUANT_SIZES mirrors).
 * Ids 4, 5 (old Q4_2/Q4_3) and 31..33 (the removed Q4_0_4_4 etc.) are no longer valid in files.
 *
 * <p>{@link #I2_S} is not an upstream type: it is bitnet.cpp's 2-bit ternary format (id 36 in its ggml
 * fork, where upstream leaves 36..38 unused). Its ggml type traits say block 1 / 1 byte, but the fork
 * overrides {@code ggml_nbytes} to {@code elements / 4 + 32}: 2 bits per weight plus a 32-byte trailer
 * holding one float32 scale for the whole tensor. Here it is described by its x86 packing group (128
 * weights in 32 bytes, see {@link I2sCodec}) and {@link #bytesFor} adds the trailer.
 */
public enum GgmlType implements TensorType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    // ggml-common.h: two halves (d, s) + 32 quants = 36; gguf-py's table says 4 + 4 + 32 (an old layout
    // with float d, s). ggml sizes tensors with sizeof(block_q8_1), so 36 is what files hold.
    Q8_1(9, 32, 2 + 2 + 32),
    Q2_K(10, 256, 2 + 2 + 256 / 16 + 256 / 4),
    Q3_K(11, 256, 2 + 256 / 4 + 256 / 8 + 12),
    Q4_K(12, 256, 2 + 2 + 256 / 2 + 12),
    Q5_K(13, 256, 2 + 2 + 256 / 2 + 256 / 8 + 12),
    Q6_K(14, 256, 2 + 256 / 2 + 256 / 4 + 256 / 16),
    Q8_K(15, 256, 4 + 256 + 256 / 8),
    IQ2_XXS(16, 256, 2 + 256 / 4),
    IQ2_XS(17, 256, 2 + 256 / 4 + 256 / 32),
    IQ3_XXS(18, 256, 2 + 256 / 4 + 256 / 8),
    IQ1_S(19, 256, 2 + 256 / 8 + 256 / 16),
    IQ4_NL(20, 32, 2 + 16),
    IQ3_S(21, 256, 2 + 256 / 4 + 256 / 8 + 256 / 32 + 4),
    IQ2_S(22, 256, 2 + 256 / 4 + 256 / 16),
    IQ4_XS(23, 256, 2 + 2 + 256 / 2 + 256 / 64),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 256 / 8 + 256 / 16 + 256 / 32),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 2 + 4 * 13),
    TQ2_0(35, 256, 2 + 64),
    /** bitnet.cpp's ternary type (see the class comment). */
    I2_S(36, 128, 32),
    MXFP4(39, 32, 1 + 16),
    NVFP4(40, 64, 4 + 32),
    Q1_0(41, 128, 2 + 16),
    Q2_0(42, 64, 2 + 16);

    /** Bytes bitnet.cpp appends to every I2_S tensor; the first 4 hold the float32 scale. */
    public static final int I2S_TRAILER_BYTES = 32;

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id, blockSize, blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The number GGUF files store for this type. */
    public int id() {
        return id;
    }

    /** The type with this GGUF id, if ggml (or bitnet.cpp, for I2_S) defines one. */
    public static Optional<GgmlType> fromId(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[(int) id]) : Optional.empty();
    }

    /** The type with this GGUF id; IllegalArgumentException naming the id if there is none. */
    public static GgmlType byId(long id) {
        return fromId(id).orElseThrow(() -> new IllegalArgumentException("unknown ggml type id " + id));
    }

    /** The type by name, case-insensitive ("q8_0", "TQ2_0"). */
    public static Optional<GgmlType> fromLabel(String label) {
        for (GgmlType t : values()) if (t.name().equalsIgnoreCase(label)) return Optional.of(t);
        return Optional.empty();
    }

    @Override
    public String label() {
        return name();
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int blockBytes() {
        return blockBytes;
    }

    @Override
    public long bytesFor(long elements) {
        long packed = TensorType.super.bytesFor(elements);
        return this == I2_S ? Math.addExact(packed, I2S_TRAILER_BYTES) : packed;
    }

    /** True for the types whose weights are ternary with a scale (TQ1_0, TQ2_0, I2_S). */
    public boolean isTernary() {
        return this == TQ1_0 || this == TQ2_0 || this == I2_S;
    }
}
