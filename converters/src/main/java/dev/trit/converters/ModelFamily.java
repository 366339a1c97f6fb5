package dev.trit.converters;

import java.util.Optional;

/**
 * The model families trit converts, named by their GGUF {@code general.architecture}:
 * <ul>
 *   <li>{@link #LLAMA}: {@code LlamaForCausalLM}, FP16 baselines; llama.cpp's arch {@code llama}
 *       (Q and K rows permuted for its rotary layout).</li>
 *   <li>{@link #BITNET}: 1bitLLM's {@code BitnetForCausalLM} (model_type llama, SiLU, sub-norms
 *       {@code inner_attn_ln}/{@code ffn_layernorm}); llama.cpp's arch {@code bitnet}.</li>
 *   <li>{@link #BITNET_B158}: microsoft/bitnet-b1.58-2B-4T's {@code BitNetForCausalLM} (model_type
 *       bitnet, relu², GQA). llama.cpp has no graph for it (its {@code bitnet} uses SiLU); bitnet.cpp
 *       names it {@code bitnet-b1.58} (its LLM_ARCH_BITNET_B158, the architecture of microsoft's own
 *       bitnet-b1.58-2B-4T-gguf), so that is what a bitnet.cpp user expects and what trit writes.</li>
 * </ul>
 */
public enum ModelFamily {
    LLAMA("llama"), BITNET("bitnet"), BITNET_B158("bitnet-b1.58");

    private final String ggufArch;

    ModelFamily(String ggufArch) {
        this.ggufArch = ggufArch;
    }

    public String ggufArch() {
        return ggufArch;
    }

    /** True for the families whose projections are BitLinear (ternary). */
    public boolean isBitNet() {
        return this != LLAMA;
    }

    public static Optional<ModelFamily> fromGgufArch(String arch) {
        for (ModelFamily f : values()) if (f.ggufArch.equals(arch)) return Optional.of(f);
        return Optional.empty();
    }
}
