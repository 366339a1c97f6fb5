package dev.trit.engine;

/** The model families the engine runs, named by the HF {@code architectures} entry that selects them. */
public enum Architecture {
    /** {@code LlamaForCausalLM}: float linears, SiLU-gated MLP. */
    LLAMA,
    /** {@code BitNetForCausalLM} (transformers / microsoft): BitLinear, relu², attn_sub_norm and ffn_sub_norm. */
    BITNET,
    /** {@code BitnetForCausalLM} (1bitLLM reproduction): BitLinear, SiLU, inner_attn_ln and ffn_layernorm. */
    BITNET_1BITLLM;

    /** Whether the decoder's q/k/v/o/gate/up/down projections are BitLinear layers. */
    public boolean ternary() {
        return this != LLAMA;
    }

    public static Architecture fromHfName(String name) {
        return switch (name) {
            case "LlamaForCausalLM" -> LLAMA;
            case "BitNetForCausalLM" -> BITNET;
            case "BitnetForCausalLM" -> BITNET_1BITLLM;
            default -> throw new IllegalArgumentException("unsupported architecture " + name
                    + " (supported: LlamaForCausalLM, BitNetForCausalLM, BitnetForCausalLM)");
        };
    }
}
