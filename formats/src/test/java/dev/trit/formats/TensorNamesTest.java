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
}
