package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.HfConfig;
import java.nio.file.Path;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "demo-bitnet-packed, BITNET, PACKED_DIVIDE, RELU2, 2, 0",
            "demo1-bitnet-packed, BITNET, PACKED_DIVIDE, RELU2, 2, 0",
            "demo-bitnet-bf16, BITNET, ONLINE, RELU2, 2, 0",
            "demo-llama-f16, LLAMA, NONE, SILU, 2, 0",
            "mini-bitnet-fp16, BITNET_1BITLLM, ONLINE, SILU, 4, 1",
            "mini-llama-f16, LLAMA, NONE, SILU, 4, 1",
    })
    void readsFixtureConfigs(String dir, Architecture arch, TernaryMode mode, Activation act, int kvHeads, int bos) throws IOException {
        ModelConfig c = ModelConfig.read(Fixtures.hf(dir));
        assertEquals(arch, c.architecture());
        assertEquals(mode, c.ternaryMode());
        assertEquals(act, c.activation());
        assertEquals(kvHeads, c.kvHeads());
        assertEquals(bos, c.bosTokenId());
        assertEquals(256, c.hiddenSize());
        assertEquals(64, c.headDim());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(1e-5f, c.rmsNormEps());
        assertEquals(true, c.tiedEmbeddings());
    }

    @Test
    void rejectsUnknownArchitecture() {
        var json = new ObjectMapper().createObjectNode();
        json.putArray("architectures").add("GPT2LMHeadModel");
        json.put("model_type", "gpt2").put("hidden_size", 8).put("intermediate_size", 8).put("num_hidden_layers", 1)
                .put("num_attention_heads", 1).put("vocab_size", 8);
        HfConfig hf = assertDoesNotThrow(() -> HfConfig.parse(Path.of("config.json"), json));
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.from(hf));
    }

    @Test
    void autobitlinearOfflineMultipliesByScale() throws IOException {
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(Fixtures.hf("demo-bitnet-packed").resolve("config.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("quantization_config")).put("linear_class", "autobitlinear");
        assertEquals(TernaryMode.PACKED_MULTIPLY, ModelConfig.from(HfConfig.parse(Path.of("config.json"), json)).ternaryMode());
    }
}
