package dev.trit.converters;

import dev.trit.formats.GgmlType;
import java.util.Locale;
import java.util.Optional;

/** What {@code trit convert --type} can produce: GGUF tensor types and Hugging Face layouts. */
public enum TargetType {
    GGUF_F32(GgmlType.F32, 0, false), GGUF_F16(GgmlType.F16, 1, false), GGUF_BF16(GgmlType.BF16, 32, false),
    GGUF_Q8_0(GgmlType.Q8_0, 7, false), GGUF_TQ1_0(GgmlType.TQ1_0, 36, true), GGUF_TQ2_0(GgmlType.TQ2_0, 37, true),
    /** bitnet.cpp's I2_S; file type 40 is its LLAMA_FTYPE_MOSTLY_I2_S. */
    GGUF_I2_S(GgmlType.I2_S, 40, true),
    /**
     * ggml's Q1_0 (blocks of 128 sign bits and one fp16 scale): the 1-bit layout for the original
     * BitNet (weights ±1 with a scale). File type 40 as llama.cpp's llama.h numbers
     * LLAMA_FTYPE_MOSTLY_Q1_0 (bitnet.cpp's fork uses 40 for I2_S; the tensor types tell them apart).
     */
    GGUF_Q1_0(GgmlType.Q1_0, 40, true),
    /** microsoft/bitnet-b1.58-2B-4T's packed uint8 layout with a bf16 weight_scale per BitLinear. */
    HF_PACKED(null, -1, true),
    HF_BF16(null, -1, false), HF_F16(null, -1, false), HF_F32(null, -1, false);

    private final GgmlType ggml;
    private final int fileType;
    private final boolean ternary;

    TargetType(GgmlType ggml, int fileType, boolean ternary) {
        this.ggml = ggml;
        this.fileType = fileType;
        this.ternary = ternary;
    }

    public boolean isGguf() {
        return ggml != null;
    }

    /** The tensor type of the weights (GGUF targets). */
    public GgmlType ggml() {
        return ggml;
    }

    /** general.file_type (llama.cpp's LLAMA_FTYPE_*). */
    public int fileType() {
        return fileType;
    }

    /** True when the target stores BitLinear weights as ternary (TQ1_0, TQ2_0, I2_S, packed). */
    public boolean isTernary() {
        return ternary;
    }

    public String label() {
        return switch (this) {
            case HF_PACKED -> "packed";
            case HF_BF16 -> "bf16";
            case HF_F16 -> "f16";
            case HF_F32 -> "f32";
            default -> ggml.label().toLowerCase(Locale.ROOT);
        };
    }

    /** The type a user named for a GGUF or HF destination ("tq2_0", "packed", "fp16"). */
    public static Optional<TargetType> parse(String name, boolean gguf) {
        String n = name.toLowerCase(Locale.ROOT).replace("fp16", "f16").replace("fp32", "f32").replace("float16", "f16")
                .replace("bfloat16", "bf16");
        for (TargetType t : values()) if (t.isGguf() == gguf && t.label().equals(n)) return Optional.of(t);
        return Optional.empty();
    }
}
