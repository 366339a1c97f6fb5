package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.*;

/** trit bench: a report per model, ratios against the first, and the weight bytes a decoded token reads. */
class BenchTest {
    @Test
    void benchesSeveralModelsAgainstTheFirst() throws IOException {
        var q8 = Cli.FIXTURES.resolve("gguf/mini-llama-q8_0.gguf");
        var tq2 = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");
        Cli c = Cli.run("bench", q8.toString(), tq2.toString(), "--prompt", "16", "--gen", "4", "--repeat", "1", "--bandwidth-mib", "64",
                "--threads", "2", "--json");
        assertEquals(0, c.exitCode(), c::toString);
        JsonNode r = new ObjectMapper().readTree(c.out());
        assertEquals(2, r.get("threads").asInt());
        assertTrue(r.get("bandwidth_gib_s").asDouble() > 0);
        JsonNode m = r.get("models");
        assertEquals(2, m.size());
        assertEquals(1.0, m.get(0).get("decode_vs_first").asDouble());
        assertEquals(m.get(1).get("decode_tok_s").asDouble() / m.get(0).get("decode_tok_s").asDouble(), m.get(1).get("decode_vs_first").asDouble(), 1e-12);
        for (JsonNode row : m) {
            assertTrue(row.get("prefill_tok_s").asDouble() > 0 && row.get("decode_tok_s").asDouble() > 0, row::toString);
            assertTrue(row.get("peak_rss_bytes").asLong() > 0, row::toString);
            // a decoded token reads every linear layer and the output matrix once: less than the file, more than half of it
            long file = Files.size(java.nio.file.Path.of(row.get("model").asText()));
            assertEquals(file, row.get("file_bytes").asLong());
            long read = row.get("weight_bytes_per_token").asLong();
            assertTrue(read < file && read > file / 2, "read " + read + " of file " + file);
        }
        assertEquals("Q8_0", m.get(0).get("output_matrix").asText());
        assertEquals("F16", m.get(1).get("output_matrix").asText());

        // several models share this JVM on request (by default each runs in a fresh one, as above)
        Cli same = Cli.run("bench", q8.toString(), tq2.toString(), "--prompt", "8", "--gen", "2", "--repeat", "1", "--bandwidth-mib", "0",
                "--same-jvm", "--json");
        assertEquals(0, same.exitCode(), same::toString);
        assertEquals(2, new ObjectMapper().readTree(same.out()).get("models").size());
        assertEquals("float", new ObjectMapper().readTree(same.out()).get("activations").asText());

        // llama.cpp's arithmetic for the stored weights, passed on to the fresh JVM of each model
        Cli lc = Cli.run("bench", q8.toString(), tq2.toString(), "--prompt", "8", "--gen", "2", "--repeat", "1", "--bandwidth-mib", "0",
                "--activations", "llama-cpp", "--json");
        assertEquals(0, lc.exitCode(), lc::toString);
        assertEquals("llama-cpp", new ObjectMapper().readTree(lc.out()).get("activations").asText());
        assertEquals(2, Cli.run("bench", q8.toString(), "--activations", "int4").exitCode());

        assertEquals(2, Cli.run("bench", q8.toString(), "--prompt", "0").exitCode());
        assertEquals(2, Cli.run("bench", q8.toString(), "--depth", "-1").exitCode());
        Cli deep = Cli.run("bench", q8.toString(), "--depth", "100000", "--bandwidth-mib", "0");
        assertEquals(2, deep.exitCode(), deep::toString);
        assertTrue(deep.err().contains("--depth + max(--prompt, --gen) = 100128 exceeds the context"), deep::toString);
        Cli missing = Cli.run("bench", "/nonexistent/model.gguf", "--gen", "1");
        assertEquals(1, missing.exitCode(), missing::toString);
    }
}
