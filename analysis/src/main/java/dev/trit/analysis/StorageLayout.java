package dev.trit.analysis;

import dev.trit.formats.GgmlType;

import java.util.OptionalLong;

/**
 * The storage layouts a ternary [out, in] matrix can be kept in, with the exact bytes each takes
 * (block scales and trailers included), from the formats' own block definitions ({@link GgmlType}).
 */
public enum StorageLayout {
    /** Hugging Face offline BitNet: uint8 [out/4, in] plus a bf16 weight_scale. */
    HF_PACKED("packed"),
    TQ1_0("TQ1_0"),
    TQ2_0("TQ2_0"),
    /** bitnet.cpp: 2 bits per weight plus a 32-byte trailer holding the tensor's float32 scale. */
    I2_S("I2_S"),
    F16("F16"),
    Q8_0("Q8_0");

    private final String label;

    StorageLayout(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Bytes the matrix takes in this layout, or empty if the layout cannot hold that shape. */
    public OptionalLong bytes(long out, long in) {
        return switch (this) {
            case HF_PACKED -> out % 4 == 0 ? OptionalLong.of(out / 4 * in + 2) : OptionalLong.empty();
            case I2_S -> (out * in) % GgmlType.I2_S.blockSize() == 0 ? OptionalLong.of(GgmlType.I2_S.bytesFor(out * in)) : OptionalLong.empty();
            // ggml blocks run along a row (ne0 = in); a row must be whole blocks.
            case TQ1_0 -> rows(GgmlType.TQ1_0, out, in);
            case TQ2_0 -> rows(GgmlType.TQ2_0, out, in);
            case F16 -> rows(GgmlType.F16, out, in);
            case Q8_0 -> rows(GgmlType.Q8_0, out, in);
        };
    }

    private static OptionalLong rows(GgmlType t, long out, long in) {
        return in % t.blockSize() == 0 ? OptionalLong.of(Math.multiplyExact(out, t.bytesFor(in))) : OptionalLong.empty();
    }
}
