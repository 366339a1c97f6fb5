package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;

/**
 * {@code Qwen3ForCausalLM}: a LLaMA with an RMSNorm over each head of q and k ({@code q_norm},
 * {@code k_norm}) before RoPE, {@code head_dim} independent of hidden/heads (default 128),
 * {@code attention_bias} on q/k/v/o. llama.cpp's arch {@code qwen3}.
 */
public final class Qwen3 implements Family {
    public static final Qwen3 INSTANCE = new Qwen3();

    private Qwen3() {
    }

    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public String ggufArch() {
        return "qwen3";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Qwen3ForCausalLM");
    }

    @Override
    public ModelSpec fromHf(HfConfig c) {
        SpecBuilder b = new SpecBuilder(this, c, 10000.0, false, 1e-6).activation("hidden_act", "silu");
        if (!c.raw().hasNonNull("head_dim")) b.headDim = 128; // Qwen3Config's default
        b.attentionScale = (float) (1.0 / Math.sqrt(b.headDim));
        b.qkNorm = true;
        b.understood.add("attention_bias");
        boolean bias = b.keys.bool("attention_bias").orElse(false);
        b.qkvBias = bias;
        b.oBias = bias;
        Qwen2.slidingLayers(b, c);
        return b.build();
    }
}
