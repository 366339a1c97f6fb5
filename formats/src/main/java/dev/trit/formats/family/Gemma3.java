package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;

/**
 * {@code Gemma3ForCausalLM} ({@code model_type gemma3_text}): RMSNorms scale by (1 + w); q/k norms;
 * the attention and MLP outputs normed before the residual add, the MLP input by its own pre-norm;
 * embeddings multiplied by sqrt(hidden) on input (the tied output uses them unscaled); GeGLU with tanh
 * GELU; scores scaled by {@code query_pre_attn_scalar}^-1/2; sliding-window layers (from
 * {@code layer_types}, else every layer but each {@code sliding_window_pattern}-th) with their own
 * RoPE base {@code rope_local_base_freq}; optional soft-capping of scores and logits. llama.cpp's arch
 * {@code gemma3}.
 */
public final class Gemma3 implements Family {
    public static final Gemma3 INSTANCE = new Gemma3();

    private Gemma3() {
    }

    @Override
    public String name() {
        return "gemma3";
    }

    @Override
    public String ggufArch() {
        return "gemma3";
    }

    /**
     * gguf-py's tensor_mapping for gemma3: post_attention_layernorm is the attention's output norm
     * ({@code post_attention_norm}), pre_feedforward_layernorm the MLP's input norm ({@code ffn_norm}),
     * post_feedforward_layernorm {@code post_ffw_norm}.
     */
    @Override
    public List<java.util.Map.Entry<String, String>> ggufLayerNames() {
        return List.of(java.util.Map.entry("post_attention_layernorm.weight", "post_attention_norm.weight"),
                java.util.Map.entry("pre_feedforward_layernorm.weight", "ffn_norm.weight"),
                java.util.Map.entry("post_feedforward_layernorm.weight", "post_ffw_norm.weight"));
    }

    /** Gemma3Model.modify_tensors adds 1 to every norm weight (Gemma3RMSNorm multiplies by 1 + w). */
    @Override
    public boolean ggufNormsPlusOne() {
        return true;
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Gemma3ForCausalLM");
    }

    @Override
    public ModelSpec fromHf(HfConfig c) {
        // Gemma3TextConfig's defaults: rope_theta 1e6, tied, eps 1e-6, head_dim 256, query_pre_attn_scalar 256
        SpecBuilder b = new SpecBuilder(this, c, 1_000_000.0, true, 1e-6).activation("hidden_activation", "gelu_pytorch_tanh");
        if (!c.raw().hasNonNull("head_dim")) b.headDim = 256;
        b.understood.addAll(List.of("query_pre_attn_scalar", "attn_logit_softcapping", "final_logit_softcapping", "rope_local_base_freq",
                "sliding_window_pattern", "attention_bias", "use_bidirectional_attention"));
        b.keys.requireNeutral("use_bidirectional_attention", false);
        b.normPlusOne = true;
        b.qkNorm = true;
        b.sandwichNorms = true;
        boolean bias = b.keys.bool("attention_bias").orElse(false);
        b.qkvBias = bias;
        b.oBias = bias;
        b.embeddingScale = (float) Math.sqrt(c.hiddenSize());
        double scalar = b.keys.number(c.raw(), "query_pre_attn_scalar").orElse(256);
        if (!(scalar > 0)) throw new IllegalArgumentException("query_pre_attn_scalar " + scalar + " is not positive");
        b.attentionScale = (float) Math.pow(scalar, -0.5);
        b.attnSoftcap = (float) b.keys.number(c.raw(), "attn_logit_softcapping").orElse(0);
        b.finalSoftcap = (float) b.keys.number(c.raw(), "final_logit_softcapping").orElse(0);
        b.slidingRope = RopeSpec.plain(b.keys.number(c.raw(), "rope_local_base_freq").orElse(10000));
        int window = b.window("sliding_window").orElse(4096);
        if (!b.layerTypes(window)) {
            int pattern = b.keys.nonNegativeInt(c.raw(), "sliding_window_pattern").orElse(6);
            b.windows = new int[c.numHiddenLayers()];
            // transformers: layer i is sliding unless (i + 1) is a multiple of the pattern
            for (int i = 0; i < b.windows.length; i++) b.windows[i] = pattern > 0 && (i + 1) % pattern == 0 ? 0 : window;
        }
        return b.build();
    }
}
