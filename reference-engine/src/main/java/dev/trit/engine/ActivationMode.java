package dev.trit.engine;

/** How the products of stored (GGUF / safetensors float) weight matrices treat their float activations. */
public enum ActivationMode {
    /** Activations stay float: the product is the dequantized weights times the float activations. */
    FLOAT,
    /**
     * llama.cpp's CPU arithmetic: each activation row is first rounded to the weight type's ggml-cpu
     * vec_dot_type (Q8_0 blocks of 32 for Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K blocks of 256
     * for the K-quants, fp16 for F16, bf16 for BF16; F32 weights unchanged); see {@link LlamaCppActivations}.
     * Decode's Q6_K and Q4_K products then run in integers as ggml's vec_dot ({@code Q8KDots}).
     * Ternary (BitLinear) products keep their own int8 activations.
     */
    LLAMA_CPP;

    /** The CLI spelling: float, llama-cpp. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    public static ActivationMode parse(String s) {
        for (ActivationMode m : values()) if (m.label().equals(s)) return m;
        throw new IllegalArgumentException("unknown activations '" + s + "' (float, llama-cpp)");
    }
}
