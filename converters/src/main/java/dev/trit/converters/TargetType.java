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
    /*
     * llama-quantize's mixtures (file types as llama.h's LLAMA_FTYPE_MOSTLY_*): the type named is the
     * base type; which tensors get another one is QuantMix's business.
     */
    GGUF_Q2_K(GgmlType.Q2_K, 10, "q2_k"), GGUF_Q3_K_S(GgmlType.Q3_K, 11, "q3_k_s"), GGUF_Q3_K_M(GgmlType.Q3_K, 12, "q3_k_m"),
    GGUF_Q3_K_L(GgmlType.Q3_K, 13, "q3_k_l"), GGUF_Q4_K_S(GgmlType.Q4_K, 14, "q4_k_s"), GGUF_Q4_K_M(GgmlType.Q4_K, 15, "q4_k_m"),
    GGUF_Q5_K_S(GgmlType.Q5_K, 16, "q5_k_s"), GGUF_Q5_K_M(GgmlType.Q5_K, 17, "q5_k_m"), GGUF_Q6_K(GgmlType.Q6_K, 18, "q6_k"),
    GGUF_Q4_0(GgmlType.Q4_0, 2, "q4_0"), GGUF_Q4_1(GgmlType.Q4_1, 3, "q4_1"), GGUF_Q5_0(GgmlType.Q5_0, 8, "q5_0"),
    GGUF_Q5_1(GgmlType.Q5_1, 9, "q5_1"), GGUF_IQ4_NL(GgmlType.IQ4_NL, 25, "iq4_nl"),
    /** microsoft/bitnet-b1.58-2B-4T's packed uint8 layout with a bf16 weight_scale per BitLinear. */
    HF_PACKED(null, -1, true),
    HF_BF16(null, -1, false), HF_F16(null, -1, false), HF_F32(null, -1, false);

    private final GgmlType ggml;
    private final int fileType;
    private final boolean ternary;
    /** The llama-quantize mixture's name, or null for a single-type target. */
    private final String mix;

    TargetType(GgmlType ggml, int fileType, boolean ternary) {
        this.ggml = ggml;
        this.fileType = fileType;
        this.ternary = ternary;
        this.mix = null;
    }

    TargetType(GgmlType ggml, int fileType, String mix) {
        this.ggml = ggml;
        this.fileType = fileType;
        this.ternary = false;
        this.mix = mix;
    }

    /**
     * True for llama-quantize's mixtures (q2_k ... q6_k, q4_0 ... q5_1, iq4_nl): per-tensor types as
     * llama-quantize chooses them without an importance matrix (see {@link QuantMix}), written in
     * llama-quantize's file layout.
     */
    public boolean isQuantMix() {
        return mix != null;
    }

    public boolean isGguf() {
        return ggml != null;
    }

    /** The tensor type of the weights (GGUF targets; a mixture's base type). */
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
            default -> mix != null ? mix : ggml.label().toLowerCase(Locale.ROOT);
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
