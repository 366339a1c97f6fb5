package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;

/**
 * {@code BitnetForCausalLM} (1bitLLM's reproduction of the b1.58 paper, model_type llama): latent
 * float weights ternarized at load by absmean, int8 per-token activations, SiLU, sub-norms named
 * {@code self_attn.inner_attn_ln} and {@code mlp.ffn_layernorm}. llama.cpp's arch {@code bitnet}.
 */
public final class Bitnet1bitLLM implements Family {
    public static final Bitnet1bitLLM INSTANCE = new Bitnet1bitLLM();

    private Bitnet1bitLLM() {
    }

    @Override
    public String name() {
        return "bitnet";
    }

    @Override
    public String ggufArch() {
        return "bitnet";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("BitnetForCausalLM");
    }

    @Override
    public ModelSpec fromHf(HfConfig c) {
        SpecBuilder b = new SpecBuilder(this, c, 10000.0, false, 1e-6).activation("hidden_act", "silu");
        b.understood.addAll(List.of("attention_bias", "weight_bits", "input_bits", "pretraining_tp"));
        b.keys.requireNeutral("attention_bias", false);
        b.keys.requireNeutral("pretraining_tp", 1);
        // the values its modeling code implies: ternary (absmean) weights, 8-bit activations
        b.keys.requireNeutral("weight_bits", 1);
        b.keys.requireNeutral("input_bits", 8);
        b.subNorms = true;
        if (c.quantizationConfig().isPresent()) throw new IllegalArgumentException("quantization_config on a 1bitLLM BitnetForCausalLM is not implemented");
        b.linears = new LinearSpec(LinearSpec.Kind.ONLINE, false, 0f, List.of("lm_head"));
        return b.build();
    }

    @Override
    public List<java.util.Map.Entry<String, String>> ggufLayerNames() {
        return List.of(java.util.Map.entry(attnSubNorm(), "attn_sub_norm.weight"), java.util.Map.entry(ffnSubNorm(), "ffn_sub_norm.weight"));
    }

    @Override
    public String attnSubNorm() {
        return "self_attn.inner_attn_ln.weight";
    }

    @Override
    public String ffnSubNorm() {
        return "mlp.ffn_layernorm.weight";
    }
}
