package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;

/**
 * {@code LlamaForCausalLM} (and {@code MistralForCausalLM}, a LLaMA with a sliding window): RMSNorm,
 * SiLU-gated MLP, RoPE with optional llama3/linear scaling, {@code attention_bias} (q/k/v/o) and
 * {@code mlp_bias}. With a {@code quantization_config} its linears are BitLinear (HF1BitLLM
 * Llama3-8B-1.58, Falcon3-1.58bit, Falcon-E). llama.cpp's arch {@code llama}.
 */
public final class Llama implements Family {
    public static final Llama INSTANCE = new Llama();

    private Llama() {
    }

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public String ggufArch() {
        return "llama";
    }

    /** convert_hf_to_gguf.py's LlamaModel permutes Q/K rows (also of BitLinear LLaMAs: their trits are permuted the same way). */
    @Override
    public boolean ggufPermutesQk() {
        return true;
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("LlamaForCausalLM", "MistralForCausalLM");
    }

    @Override
    public ModelSpec fromHf(HfConfig c) {
        SpecBuilder b = new SpecBuilder(this, c, 10000.0, false, 1e-6).activation("hidden_act", "silu");
        b.understood.addAll(List.of("attention_bias", "mlp_bias", "pretraining_tp"));
        b.keys.requireNeutral("pretraining_tp", 1); // >1 splits the matmuls (transformers 4), another order of sums
        boolean bias = b.keys.bool("attention_bias").orElse(false);
        b.qkvBias = bias;
        b.oBias = bias;
        b.mlpBias = b.keys.bool("mlp_bias").orElse(false);
        if (c.architectures().getFirst().equals("MistralForCausalLM")) {
            // MistralConfig: every layer attends within sliding_window when it is set
            var w = b.window("sliding_window");
            if (w.isPresent() && !b.layerTypes(w.get())) {
                b.windows = new int[c.numHiddenLayers()];
                java.util.Arrays.fill(b.windows, w.get());
            }
        }
        return b.build();
    }
}
