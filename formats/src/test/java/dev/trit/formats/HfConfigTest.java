package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Expected values are the facts stated in fixtures/README.md about how the checkpoints were made. */
class HfConfigTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"demo-bitnet-packed", "demo-bitnet-bf16", "demo1-bitnet-packed", "demo-llama-f16", "mini-bitnet-fp16",
            "mini-llama-f16"})
    void sharedShapes(String model) throws Exception {
        HfConfig c = HfConfig.read(Fixtures.hf(model));
        // "hidden 256, 4 layers, 4 heads of 64, FFN 768, vocab 4096, rope theta 500000, RMSNorm eps 1e-5"
        assertEquals(256, c.hiddenSize());
        assertEquals(4, c.numHiddenLayers());
        assertEquals(4, c.numAttentionHeads());
        assertEquals(64, c.headDim());
        assertEquals(768, c.intermediateSize());
        assertEquals(4096, c.vocabSize());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(1e-5, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings(), "all fixtures tie lm_head");
        // "demo-* have 2 KV heads ... mini-* have 4 KV heads"
        assertEquals(model.startsWith("demo") ? 2 : 4, c.numKeyValueHeads());
        // demo tokenizer BOS <|begin_of_text|> = 0; mini BOS 1 EOS 2
        assertEquals(model.startsWith("demo") ? OptionalInt.of(0) : OptionalInt.of(1), c.bosTokenId());
        if (model.startsWith("mini")) assertEquals(OptionalInt.of(2), c.eosTokenId());
        assertTrue(c.raw().has("transformers_version"), "unknown keys kept");
    }

    @Test
    void bitnetVariants() throws Exception {
        HfConfig packed = HfConfig.read(Fixtures.hf("demo-bitnet-packed"));
        assertEquals(List.of("BitNetForCausalLM"), packed.architectures());
        assertEquals("bitnet", packed.modelType());
        assertEquals("relu2", packed.hiddenAct());
        assertEquals(Optional.of("bfloat16"), packed.dtype());
        HfConfig.QuantizationConfig q = packed.quantizationConfig().orElseThrow();
        assertEquals("bitnet", q.quantMethod());
        assertEquals(Optional.of("bitlinear"), q.linearClass());
        assertEquals(Optional.of("offline"), q.quantizationMode());
        assertTrue(packed.weightBits().isEmpty());

        HfConfig bf16 = HfConfig.read(Fixtures.hf("demo-bitnet-bf16").resolve("config.json"));
        assertEquals(Optional.of("autobitlinear"), bf16.quantizationConfig().orElseThrow().linearClass());
        assertEquals(Optional.of("online"), bf16.quantizationConfig().orElseThrow().quantizationMode());
        assertEquals(Optional.of("default"), bf16.ropeType());

        assertEquals(OptionalInt.of(1), HfConfig.read(Fixtures.hf("demo1-bitnet-packed")).weightBits());

        HfConfig mini = HfConfig.read(Fixtures.hf("mini-bitnet-fp16"));
        assertEquals(List.of("BitnetForCausalLM"), mini.architectures());
        assertEquals("llama", mini.modelType());
        assertEquals("silu", mini.hiddenAct());
        assertEquals(Optional.of("float16"), mini.dtype());
        assertTrue(mini.quantizationConfig().isEmpty());
        assertEquals(OptionalInt.of(8), mini.inputBits());
        assertTrue(mini.ropeType().isEmpty(), "rope_scaling is null");

        HfConfig llama = HfConfig.read(Fixtures.hf("mini-llama-f16"));
        assertEquals(List.of("LlamaForCausalLM"), llama.architectures());
        assertTrue(llama.quantizationConfig().isEmpty());
    }

    private HfConfig parse(String json) throws Exception {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json);
        return HfConfig.read(p);
    }

    private static final String MIN = "\"hidden_size\":512,\"intermediate_size\":1024,\"num_hidden_layers\":2,"
            + "\"num_attention_heads\":8,\"vocab_size\":100";

    @Test
    void defaults() throws Exception {
        HfConfig l = parse("{\"model_type\":\"llama\"," + MIN + "}");
        assertEquals(8, l.numKeyValueHeads());
        assertEquals(64, l.headDim());
        assertEquals(10000.0, l.ropeTheta());
        assertEquals(1e-6, l.rmsNormEps());
        assertEquals("silu", l.hiddenAct());
        assertFalse(l.tieWordEmbeddings());
        assertTrue(l.bosTokenIds().isEmpty());
        assertTrue(l.dtype().isEmpty());
        assertTrue(l.architectures().isEmpty());

        HfConfig b = parse("{\"model_type\":\"bitnet\"," + MIN + "}");
        assertEquals(500000.0, b.ropeTheta());
        assertEquals("relu2", b.hiddenAct());
        assertEquals(1e-5, b.rmsNormEps());
    }

    @Test
    void variantsOfOptionalKeys() throws Exception {
        HfConfig c = parse("{\"model_type\":\"llama\"," + MIN + ",\"eos_token_id\":[7,9],\"bos_token_id\":null,"
                + "\"torch_dtype\":\"float32\",\"rope_theta\":1000.0,\"rope_parameters\":{\"rope_theta\":2000,\"rope_type\":\"llama3\"},"
                + "\"head_dim\":32,\"num_key_value_heads\":2}");
        assertEquals(List.of(7, 9), c.eosTokenIds());
        assertEquals(OptionalInt.of(7), c.eosTokenId());
        assertTrue(c.bosTokenId().isEmpty());
        assertEquals(Optional.of("float32"), c.dtype());
        assertEquals(2000.0, c.ropeTheta(), "rope_parameters wins, as in transformers 5");
        assertEquals(Optional.of("llama3"), c.ropeType());
        assertEquals(32, c.headDim());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(Optional.of("linear"),
                parse("{\"model_type\":\"llama\"," + MIN + ",\"rope_scaling\":{\"type\":\"linear\",\"factor\":2}}").ropeType());
    }

    private void fails(String json, String expected) throws Exception {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json);
        FormatException e = assertThrows(FormatException.class, () -> HfConfig.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void malformed() throws Exception {
        fails("{\"model_type\":", "not valid JSON");
        fails("[]", "not an object");
        fails("{" + MIN + "}", "required key model_type is missing");
        fails("{\"model_type\":\"llama\",\"intermediate_size\":1,\"num_hidden_layers\":2,\"num_attention_heads\":8,\"vocab_size\":1}",
                "required key hidden_size is missing");
        fails("{\"model_type\":\"llama\"," + MIN.replace("512", "\"512\"") + "}", "hidden_size is \"512\", not a positive integer");
        fails("{\"model_type\":\"llama\"," + MIN.replace("512", "-512") + "}", "not a positive integer");
        fails("{\"model_type\":\"llama\"," + MIN + ",\"num_key_value_heads\":3}", "not a multiple of num_key_value_heads 3");
        fails("{\"model_type\":\"llama\"," + MIN.replace("512", "510") + "}", "no head_dim");
        fails("{\"model_type\":\"llama\"," + MIN + ",\"quantization_config\":{\"linear_class\":\"x\"}}",
                "quantization_config.quant_method is missing");
        fails("{\"model_type\":\"llama\"," + MIN + ",\"eos_token_id\":\"2\"}", "eos_token_id is \"2\"");
        fails("{\"model_type\":\"llama\"," + MIN + ",\"tie_word_embeddings\":1}", "tie_word_embeddings is 1, not true or false");
        fails("{\"model_type\":\"llama\"," + MIN + ",\"rms_norm_eps\":0}", "rms_norm_eps is 0");
        fails("{\"model_type\":\"llama\"," + MIN + ",\"hidden_size\":1}", "key 'hidden_size' twice");
        FormatException e = assertThrows(FormatException.class, () -> HfConfig.read(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("no such file"));
    }

    @Test
    void tokenizerConfigs() throws Exception {
        TokenizerConfig demo = TokenizerConfig.read(Fixtures.hf("demo-bitnet-packed"));
        assertEquals(Optional.of("<|begin_of_text|>"), demo.bosToken());
        assertEquals(Optional.of("<|end_of_text|>"), demo.eosToken());
        assertTrue(demo.unkToken().isEmpty());
        assertTrue(demo.addBosToken().isEmpty());
        assertEquals(Optional.of("TokenizersBackend"), demo.tokenizerClass());

        TokenizerConfig mini = TokenizerConfig.read(Fixtures.hf("mini-llama-f16").resolve("tokenizer_config.json"));
        assertEquals(Optional.of("<s>"), mini.bosToken());
        assertEquals(Optional.of("</s>"), mini.eosToken());
        assertEquals(Optional.of("<unk>"), mini.unkToken());
        assertEquals(Optional.of(true), mini.addBosToken());
        assertEquals(Optional.of(false), mini.addEosToken());
        assertEquals(Optional.of("LlamaTokenizer"), mini.tokenizerClass());
        assertEquals(Optional.of(true), mini.legacy());

        Path p = tmp.resolve("tokenizer_config.json");
        Files.writeString(p, "{\"bos_token\":{\"content\":\"<s>\",\"lstrip\":false},\"eos_token\":null}");
        TokenizerConfig obj = TokenizerConfig.read(p);
        assertEquals(Optional.of("<s>"), obj.bosToken());
        assertTrue(obj.eosToken().isEmpty());
        Files.writeString(p, "{\"bos_token\":5}");
        FormatException e = assertThrows(FormatException.class, () -> TokenizerConfig.read(p));
        assertTrue(e.getMessage().contains("bos_token is 5"), e.getMessage());
    }

    @Test
    void checkpointOpensEverything() throws Exception {
        try (HfCheckpoint c = HfCheckpoint.open(Fixtures.hf("demo-bitnet-packed"))) {
            assertEquals("bitnet", c.config().modelType());
            assertEquals(74, c.weights().tensors().size());
            assertEquals(Optional.of("<|begin_of_text|>"), c.tokenizerConfig().orElseThrow().bosToken());
        }
    }
}
