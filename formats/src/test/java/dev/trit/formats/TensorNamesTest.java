package dev.trit.formats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TensorNamesTest {
    // Expected pairs are the names llama.cpp's converter wrote into fixtures/gguf/mini-bitnet-tq2_0.gguf
    // for the tensors of fixtures/hf/mini-bitnet-fp16 (read with a header dump of both files).
    @Test
    void mapsOneBitLlmNamesLikeLlamaCpp() {
        assertEquals("token_embd.weight", TensorNames.toGguf("model.embed_tokens.weight").orElseThrow());
        assertEquals("blk.3.attn_sub_norm.weight", TensorNames.toGguf("model.layers.3.self_attn.inner_attn_ln.weight").orElseThrow());
        assertEquals("blk.0.ffn_sub_norm.weight", TensorNames.toGguf("model.layers.0.mlp.ffn_layernorm.weight").orElseThrow());
        assertEquals("blk.2.attn_output.weight", TensorNames.toGguf("model.layers.2.self_attn.o_proj.weight").orElseThrow());
        assertEquals("blk.1.ffn_norm.weight", TensorNames.toGguf("model.layers.1.post_attention_layernorm.weight").orElseThrow());
        assertEquals("output_norm.weight", TensorNames.toGguf("model.norm.weight").orElseThrow());
        assertTrue(TensorNames.toGguf("model.layers.0.self_attn.q_proj.weight_scale").isEmpty());
    }

    @Test
    void mapsBackInEitherSubNormSpelling() {
        assertEquals("model.layers.3.self_attn.attn_sub_norm.weight",
                TensorNames.toHf("blk.3.attn_sub_norm.weight", TensorNames.SubNormStyle.MICROSOFT).orElseThrow());
        assertEquals("model.layers.3.mlp.ffn_layernorm.weight",
                TensorNames.toHf("blk.3.ffn_sub_norm.weight", TensorNames.SubNormStyle.ONE_BIT_LLM).orElseThrow());
        assertEquals("model.layers.10.mlp.down_proj.weight",
                TensorNames.toHf("blk.10.ffn_down.weight", TensorNames.SubNormStyle.MICROSOFT).orElseThrow());
        assertTrue(TensorNames.toHf("rope_freqs.weight", TensorNames.SubNormStyle.MICROSOFT).isEmpty());
    }

    @Test
    void everyLayerNameRoundTrips() {
        for (String s : new String[]{"input_layernorm.weight", "self_attn.k_proj.weight", "mlp.up_proj.weight", "mlp.ffn_sub_norm.weight"}) {
            String hf = "model.layers.7." + s;
            assertEquals(hf, TensorNames.toHf(TensorNames.toGguf(hf).orElseThrow(), TensorNames.SubNormStyle.MICROSOFT).orElseThrow());
        }
        assertTrue(TensorNames.isBitLinear("blk.0.ffn_up.weight"));
        assertFalse(TensorNames.isBitLinear("blk.0.ffn_norm.weight"));
        assertFalse(TensorNames.isBitLinear("token_embd.weight"));
    }

    /** Per family, as gguf-py's tensor_mapping names them for qwen2, qwen3, gemma3 and llama; and back. */
    @Test
    void familiesNameTheirOwnTensors() {
        var gemma = dev.trit.formats.family.Gemma3.INSTANCE;
        assertEquals("blk.2.post_attention_norm.weight", TensorNames.toGguf(gemma, "model.layers.2.post_attention_layernorm.weight").orElseThrow());
        assertEquals("blk.2.ffn_norm.weight", TensorNames.toGguf(gemma, "model.layers.2.pre_feedforward_layernorm.weight").orElseThrow());
        assertEquals("blk.2.post_ffw_norm.weight", TensorNames.toGguf(gemma, "model.layers.2.post_feedforward_layernorm.weight").orElseThrow());
        assertEquals("model.layers.2.pre_feedforward_layernorm.weight", TensorNames.toHf(gemma, "blk.2.ffn_norm.weight").orElseThrow());
        var llama = dev.trit.formats.family.Llama.INSTANCE;
        assertEquals("blk.1.ffn_norm.weight", TensorNames.toGguf(llama, "model.layers.1.post_attention_layernorm.weight").orElseThrow());
        assertEquals("blk.0.attn_q.rms_norm.weight", TensorNames.toGguf(llama, "model.layers.0.self_attn.q_proj.rms_norm.weight").orElseThrow());
        var qwen3 = dev.trit.formats.family.Qwen3.INSTANCE;
        assertEquals("blk.0.attn_k_norm.weight", TensorNames.toGguf(qwen3, "model.layers.0.self_attn.k_norm.weight").orElseThrow());
        var qwen2 = dev.trit.formats.family.Qwen2.INSTANCE;
        assertEquals("blk.3.attn_v.bias", TensorNames.toGguf(qwen2, "model.layers.3.self_attn.v_proj.bias").orElseThrow());
        assertEquals("model.layers.3.self_attn.o_proj.bias", TensorNames.toHf(qwen2, "blk.3.attn_output.bias").orElseThrow());
        var oneBit = dev.trit.formats.family.Bitnet1bitLLM.INSTANCE;
        assertEquals("model.layers.0.self_attn.inner_attn_ln.weight", TensorNames.toHf(oneBit, "blk.0.attn_sub_norm.weight").orElseThrow());
        assertEquals("model.layers.0.mlp.ffn_sub_norm.weight",
                TensorNames.toHf(dev.trit.formats.family.BitNetB158.INSTANCE, "blk.0.ffn_sub_norm.weight").orElseThrow());
        assertTrue(TensorNames.toHf(llama, "rope_freqs.weight").isEmpty());
    }
}
