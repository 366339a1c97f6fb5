package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;

/**
 * {@code BitNetForCausalLM} (transformers' BitNet, microsoft/bitnet-b1.58-2B-4T): a LLaMA with relu²,
 * an RMSNorm on the attention output before o_proj ({@code attn_sub_norm}) and on relu²(gate)·up
 * before down_proj ({@code ffn_sub_norm}); its linears are BitLinear as {@code quantization_config}
 * says (nn.Linear without one). bitnet.cpp's arch {@code bitnet-b1.58}.
 */
public final class BitNetB158 implements Family {
    public static final BitNetB158 INSTANCE = new BitNetB158();

    private BitNetB158() {
    }

    @Override
    public String name() {
        return "bitnet-b1.58";
    }

    @Override
    public String ggufArch() {
        return "bitnet-b1.58";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("BitNetForCausalLM");
    }

    @Override
    public ModelSpec fromHf(HfConfig c) {
        SpecBuilder b = new SpecBuilder(this, c, 500000.0, false, 1e-5).activation("hidden_act", "relu2");
        b.understood.addAll(List.of("attention_bias", "weight_bits"));
        b.keys.requireNeutral("attention_bias", false);
        // weight_bits 1: the original 1-bit BitNet stored in the same layout (±1 trits); transformers ignores the key
        b.keys.requireNeutral("weight_bits", 1, 2);
        b.subNorms = true;
        return b.build();
    }
}
