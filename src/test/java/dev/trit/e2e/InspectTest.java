package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code trit inspect} on every bundled fixture. Expected counts come from reading the files' raw
 * headers with a few lines of Python's struct/json (as safetensors and gguf-py do), not from trit.
 */
class InspectTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource({
            // path, tensors, total data bytes, stored elements (safetensors) / elements (GGUF)
            "hf/demo-bitnet-bf16, 46, 8401408, 4200704",
            "hf/demo-llama-f16, 38, 8393216, 4196608",
            "hf/mini-bitnet-fp16, 46, 8925696, 4462848",
            "hf/mini-llama-f16, 38, 8917504, 4458752",
            "gguf/mini-bitnet-tq1_0.gguf, 46, -1, 4462848",
            "gguf/mini-bitnet-tq2_0.gguf, 46, -1, 4462848",
            "gguf/mini-llama-q8_0.gguf, 38, -1, 4458752",
            "vocab/ggml-vocab-llama-spm.gguf, 0, 0, 0",
            "vocab/ggml-vocab-phi-3.gguf, 0, 0, 0",
            "vocab/ggml-vocab-gpt-2.gguf, 0, 0, 0",
            "vocab/ggml-vocab-falcon.gguf, 0, 0, 0",
    })
    void jsonAgreesWithTheFileHeaders(String rel, int tensors, long bytes, long params) throws Exception {
        Cli r = Cli.run("inspect", "--json", Cli.FIXTURES.resolve(rel).toString());
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = JSON.readTree(r.out());
        assertEquals(tensors, j.get("tensors").size());
        assertEquals(params, j.get("parameters").asLong());
        if (bytes >= 0) assertEquals(bytes, j.get("total_bytes").asLong());
        assertEquals(rel.endsWith(".gguf") ? "gguf" : "hf", j.get("format").asText());
        long sum = 0;
        for (JsonNode t : j.get("tensors")) sum += t.get("bytes").asLong();
        assertEquals(sum, j.get("total_bytes").asLong());
    }

    @Test
    void packedTernaryCountsFourWeightsPerByte() throws Exception {
        JsonNode packed = JSON.readTree(Cli.run("inspect", "--json", Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString()).out());
        JsonNode latent = JSON.readTree(Cli.run("inspect", "--json", Cli.FIXTURES.resolve("hf/demo-bitnet-bf16").toString()).out());
        // 74 tensors: the 46 of the latent model plus one weight_scale per BitLinear (28).
        assertEquals(74, packed.get("tensors").size());
        long scales = 0;
        for (JsonNode t : packed.get("tensors")) {
            if (t.get("name").asText().endsWith("weight_scale")) scales += t.get("parameters").asLong();
            if (t.get("name").asText().equals("model.layers.0.self_attn.q_proj.weight")) {
                assertEquals("U8", t.get("dtype").asText());
                assertEquals("[64,256]", t.get("shape").toString());
                assertEquals(256 * 256, t.get("parameters").asLong());
            }
        }
        assertEquals(latent.get("parameters").asLong() + scales, packed.get("parameters").asLong());
        assertEquals(2896440, packed.get("total_bytes").asLong());
    }

    @Test
    void ggufShapesAreInNeOrderAndTypesAreNamed() throws Exception {
        JsonNode j = JSON.readTree(Cli.run("inspect", "--json", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString()).out());
        assertEquals("bitnet", j.get("metadata").get("general.architecture").asText());
        assertEquals(500000.0, j.get("metadata").get("bitnet.rope.freq_base").asDouble());
        int tq2 = 0;
        for (JsonNode t : j.get("tensors")) {
            if (t.get("dtype").asText().equals("TQ2_0")) tq2++;
            if (t.get("name").asText().equals("blk.0.ffn_down.weight")) assertEquals("[768,256]", t.get("shape").toString());
            if (t.get("name").asText().equals("token_embd.weight")) assertEquals("F16", t.get("dtype").asText());
        }
        assertEquals(28, tq2);
    }

    @Test
    void tableShowsSummaryAndTotals() {
        Cli r = Cli.run("inspect", Cli.FIXTURES.resolve("hf/mini-bitnet-fp16").toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("BitnetForCausalLM"), r.out());
        assertTrue(r.out().contains("model.layers.3.mlp.ffn_layernorm.weight"), r.out());
        assertTrue(r.out().contains("total"), r.out());
    }

    @Test
    void everySharedFixtureInspects() throws Exception {
        Path shared = Cli.SHARED;
        dev.trit.formats.testing.SharedFixtures.present(shared);
        try (var files = Files.list(shared.resolve("gguf"))) {
            for (Path p : files.toList()) assertEquals(0, Cli.run("inspect", p.toString()).exitCode(), p::toString);
        }
        try (var dirs = Files.list(shared.resolve("hf"))) {
            for (Path p : dirs.toList()) assertEquals(0, Cli.run("inspect", "--json", p.toString()).exitCode(), p::toString);
        }
    }

    @Test
    void badInputEndsInOneLineAndExitCode() throws Exception {
        Path dir = Files.createTempDirectory("trit-inspect");
        Path bad = dir.resolve("broken.gguf");
        Files.write(bad, new byte[]{'G', 'G', 'U', 'X', 3, 0, 0, 0});
        Cli r = Cli.run("inspect", bad.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().contains(bad.toString()), r::toString);
        Cli missing = Cli.run("inspect", dir.resolve("nope.safetensors").toString());
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("nope.safetensors"), missing::toString);
        assertEquals(2, Cli.run("inspect").exitCode());
        assertEquals(2, Cli.run("inspect", "--bogus", bad.toString()).exitCode());
    }
}
