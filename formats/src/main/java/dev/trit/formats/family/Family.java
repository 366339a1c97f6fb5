package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;
import java.util.Map;

/**
 * A model family: how its config.json maps to a {@link ModelSpec}, its tensor names, and its GGUF
 * architecture. One class per family, as transformers keeps one folder per model; shared numerics
 * (BitLinear from {@code quantization_config}, RoPE scaling) are read once in {@link SpecBuilder}.
 */
public sealed interface Family permits Llama, Qwen2, Qwen3, Gemma3, BitNetB158, Bitnet1bitLLM {
    /** trit's name of the family, as {@code trit inspect} prints it. */
    String name();

    /** The {@code general.architecture} llama.cpp (or bitnet.cpp) uses for it. */
    String ggufArch();

    /** The {@code architectures[0]} values of config.json that select it. */
    List<String> hfArchitectures();

    /** The model a config describes; IllegalArgumentException naming the key it cannot honour. */
    ModelSpec fromHf(HfConfig config);

    /**
     * Per-layer tensor names (suffixes after {@code model.layers.N.} / {@code blk.N.}) of this family that
     * differ from or add to the ones {@link dev.trit.formats.TensorNames} shares across families, HF first.
     */
    default List<Map.Entry<String, String>> ggufLayerNames() {
        return List.of();
    }

    /**
     * Whether llama.cpp's converter permutes the rows of Q and K for this arch (its {@code llama} graph
     * rotates adjacent pairs; the others rotate halves as transformers does, NEOX style).
     */
    default boolean ggufPermutesQk() {
        return false;
    }

    /**
     * Whether this family's GGUF norm weights hold (1 + w) where HF holds w (llama.cpp's Gemma
     * converters add 1 to every {@code *norm.weight} so that its RMSNorm multiplies by the weight alone).
     */
    default boolean ggufNormsPlusOne() {
        return false;
    }

    /** HF tensor-name suffix (after {@code model.layers.N.}) of the sub-norm before o_proj, for sub-norm families. */
    default String attnSubNorm() {
        return "self_attn.attn_sub_norm.weight";
    }

    /** HF tensor-name suffix of the sub-norm before down_proj. */
    default String ffnSubNorm() {
        return "mlp.ffn_sub_norm.weight";
    }
}
