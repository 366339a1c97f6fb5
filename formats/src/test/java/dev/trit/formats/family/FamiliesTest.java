package dev.trit.formats.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.HfConfig;
import dev.trit.formats.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each real config (bundled fixtures, and the replicas' config.json copied from the Hub layouts) maps to
 * the family and linear kind transformers gives it; a mutated config with a key trit does not implement
 * is refused with a message naming the key (no silent fallback).
 */
class FamiliesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode bundled(String name) throws IOException {
        return (ObjectNode) JSON.readTree(Path.of(System.getProperty("trit.root", "."), "fixtures", "hf", name, "config.json").toFile());
    }

    private static ObjectNode replica(String name) throws IOException {
        return (ObjectNode) JSON.readTree(SharedFixtures.require("replicas/" + name + "/config.json").toFile());
    }

    private static ModelSpec spec(ObjectNode json) throws IOException {
        return Families.spec(HfConfig.parse(Path.of("config.json"), json));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "demo-bitnet-packed, bitnet-b1.58, BITLINEAR, RELU2",
            "demo1-bitnet-packed, bitnet-b1.58, BITLINEAR, RELU2",
            "demo-bitnet-bf16, bitnet-b1.58, ONLINE, RELU2",
            "demo-llama-f16, llama, FLOAT, SILU",
            "mini-bitnet-fp16, bitnet, ONLINE, SILU",
            "mini-llama-f16, llama, FLOAT, SILU",
    })
    void bundledFixtures(String dir, String family, LinearSpec.Kind kind, Activation act) throws IOException {
        ModelSpec s = spec(bundled(dir));
        assertEquals(family, s.family().name());
        assertEquals(kind, s.linears().kind());
        assertEquals(act, s.activation());
        assertEquals(256, s.hiddenSize());
        assertEquals(64, s.headDim());
        assertEquals(500000.0, s.layerSpecs().getFirst().rope().theta());
        assertEquals(1e-5f, s.rmsNormEps());
        assertTrue(s.tiedEmbeddings());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "bitnet-2b4t, bitnet-b1.58, BITLINEAR, false",
            "llama3-bitlinear, llama, BITLINEAR, false",
            "falcon-e, llama, BITLINEAR, false",
            "falcon-e-bf16, llama, FLOAT, false",
            "llama-bitlinear-rmsnorm, llama, BITLINEAR, true",
            "trilm-f16, llama, FLOAT, false",
            "llama32-bf16, llama, FLOAT, false",
            "qwen25-bf16, qwen2, FLOAT, false",
            "qwen3-bf16, qwen3, FLOAT, false",
            "gemma3-bf16, gemma3, FLOAT, false",
    })
    void replicaConfigs(String name, String family, LinearSpec.Kind kind, boolean linearNorm) throws IOException {
        ModelSpec s = spec(replica(name));
        assertEquals(family, s.family().name());
        assertEquals(kind, s.linears().kind());
        assertEquals(linearNorm, s.linears().inputNorm());
    }

    @Test
    void gemma3ReadsEveryFeature() throws IOException {
        ModelSpec s = spec(replica("gemma3-bf16"));
        assertTrue(s.normPlusOne() && s.qkNorm() && s.sandwichNorms());
        assertTrue(s.tiedEmbeddings(), "Gemma3TextConfig ties by default");
        assertEquals(16f, s.embeddingScale());
        assertEquals(1 / 16f, s.attentionScale(), "query_pre_attn_scalar 256, not head_dim 128");
        assertEquals(Activation.GELU_TANH, s.activation());
        for (int l = 0; l < 6; l++) {
            LayerSpec ls = s.layerSpecs().get(l);
            assertEquals(l == 5 ? 0 : 64, ls.slidingWindow(), "layer " + l);
            assertEquals(l == 5 ? 1e6 : 1e4, ls.rope().theta(), "layer " + l);
        }
    }

    @Test
    void llama3RopeScaling() throws IOException {
        RopeSpec r = spec(replica("llama32-bf16")).layerSpecs().getFirst().rope();
        assertEquals(RopeSpec.Type.LLAMA3, r.type());
        float[] plain = RopeSpec.plain(r.theta()).inverseFrequencies(64), scaled = r.inverseFrequencies(64);
        assertEquals(plain[0], scaled[0], "high frequencies are kept");
        assertEquals(plain[31] / 32, scaled[31], 1e-12, "low frequencies are divided by the factor");
    }

    @Test
    void qwenAndFalconDetails() throws IOException {
        ModelSpec q2 = spec(replica("qwen25-bf16"));
        assertTrue(q2.qkvBias() && !q2.oBias());
        assertTrue(q2.layerSpecs().stream().allMatch(l -> l.slidingWindow() == 0), "use_sliding_window false");
        ModelSpec q3 = spec(replica("qwen3-bf16"));
        assertEquals(128, q3.headDim());
        assertEquals(512, q3.qDim());
        LinearSpec fe = spec(replica("falcon-e")).linears();
        assertFalse(fe.ternary("lm_head"));
        assertTrue(fe.ternary("model.layers.0.mlp.down_proj"));
    }

    /** One mutation per kind of numerics trit must not ignore, on every replica it applies to. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bitnet-2b4t", "llama3-bitlinear", "falcon-e", "falcon-e-bf16", "llama-bitlinear-rmsnorm", "trilm-f16",
            "llama32-bf16", "qwen25-bf16", "qwen3-bf16", "gemma3-bf16"})
    void refusesWhatItDoesNotImplement(String name) throws IOException {
        refused(name, "some_future_key", c -> c.put("some_future_key", 1));
        refused(name, "rope type yarn", c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        refused(name, "rope type dynamic", c -> c.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0));
        String actKey = name.startsWith("gemma") ? "hidden_activation" : "hidden_act";
        refused(name, "gelu_new", c -> c.put(actKey, "gelu_new"));
        refused(name, "quant_method gptq", c -> c.putObject("quantization_config").put("quant_method", "gptq"));
        refused(name, "linear_class", c -> c.putObject("quantization_config").put("quant_method", "bitnet").put("linear_class", "bitlinear2"));
        refused(name, "quantization_config.group_size", c -> c.putObject("quantization_config").put("quant_method", "bitnet").put("group_size", 128));
        if (name.startsWith("gemma")) {
            refused(name, "use_bidirectional_attention", c -> c.put("use_bidirectional_attention", true));
            refused(name, "layer_types[0] chunked_attention", c -> {
                var a = c.putArray("layer_types");
                for (int i = 0; i < 6; i++) a.add(i == 0 ? "chunked_attention" : "full_attention");
            });
        } else {
            refused(name, "attn_logit_softcapping", c -> c.put("attn_logit_softcapping", 50.0));
        }
    }

    @Test
    void gemmaSoftCappingIsImplemented() throws IOException {
        ObjectNode c = replica("gemma3-bf16");
        c.put("final_logit_softcapping", 30.0).put("attn_logit_softcapping", 50.0);
        ModelSpec s = spec(c);
        assertEquals(30f, s.finalSoftcap());
        assertEquals(50f, s.attnSoftcap());
    }

    private static void refused(String name, String expected, Consumer<ObjectNode> mutation) throws IOException {
        ObjectNode c = replica(name);
        mutation.accept(c);
        Exception e = assertThrows(IllegalArgumentException.class, () -> spec(c), name + ": " + expected + " accepted");
        assertTrue(e.getMessage().contains(expected.split(" ")[0]) && !e.getMessage().contains("\n"), name + ": message '" + e.getMessage() + "'");
    }
}
