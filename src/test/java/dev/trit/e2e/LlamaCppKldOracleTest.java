package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.analysis.FullLogitsArrowFile;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * trit logits (full-vocabulary base, the default) and trit kld against llama-perplexity
 * --kl-divergence on the files of ../shared/fixtures/oracle/llama-cpp-kquants.json: the F16 mini LLaMA as
 * base, 100 windows of 256 with the llama-cpp protocol (whole file tokenized with BOS, special-token text
 * read as text), 12,700 scored positions. One base per class (~105 MB in a temp dir), reused by every file.
 *
 * <p>Both sides run with {@code --activations llama-cpp}: llama.cpp's CPU backend rounds the activations
 * of every product to the weight type's vec_dot_type (fp16 for the F16 base; Q8_0 blocks of 32 for
 * Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K blocks of 256 for the K-quants), which adds a divergence
 * of its own (with float activations trit's mean KLD was 5e-5 to 1.3e-4 lower: Q8_0 -61%, Q6_K -23%).
 * Per file: PPL(Q) within 0.1% of llama.cpp's, same top within 0.3 points, mean KLD within 5%.
 */
class LlamaCppKldOracleTest {
    static final String TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt").toString();
    @TempDir
    static Path dir;
    static Path base;
    static JsonNode oracle;

    @BeforeAll
    static void writeBase() throws IOException {
        Path f16 = SharedFixtures.require("gguf/mini-llama-f16.gguf");
        oracle = new ObjectMapper().readTree(SharedFixtures.require("oracle/llama-cpp-kquants.json").toFile());
        base = dir.resolve("mini-llama-f16.arrow");
        Cli c = Cli.run("logits", f16.toString(), TEXT, "--protocol", "llama-cpp", "--ctx", "256", "--max-windows", "100",
                "--out", base.toString(), "--threads", "2", "--activations", "llama-cpp");
        assertEquals(0, c.exitCode(), c::toString);
        assertEquals(FullLogitsArrowFile.KIND, FullLogitsArrowFile.kind(base), "trit logits writes the full base by default");
    }

    static List<String> files() throws IOException {
        JsonNode o = new ObjectMapper().readTree(SharedFixtures.require("oracle/llama-cpp-kquants.json").toFile());
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().has("kld_100x256")) names.add(e.getKey());
        }
        assertFalse(names.isEmpty());
        return names;
    }

    static double stat(JsonNode kld, String name) {
        return kld.get(name).get("value").asDouble();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void kldStatisticsAreLlamaPerplexitys(String file) throws IOException {
        JsonNode entry = oracle.get(file), ref = entry.get("kld_100x256");
        assertEquals(100, ref.get("_chunks").asInt());
        assertEquals(256, ref.get("_n_ctx").asInt());
        Path model = SharedFixtures.require(entry.get("path").asText().replaceFirst("^fixtures/", ""));
        Cli c = Cli.run("kld", "--base", base.toString(), model.toString(), TEXT, "--json", "--threads", "2", "--activations", "llama-cpp");
        if (c.exitCode() == 1 && c.err().contains("is not supported by the engine")) {
            Assumptions.abort(c.err().strip());
        }
        assertEquals(0, c.exitCode(), c::toString);
        JsonNode t = new ObjectMapper().readTree(c.out());
        assertEquals("full", t.get("base_kind").asText());
        assertEquals(12_700, t.get("tokens").asInt());
        String got = String.format(java.util.Locale.ROOT, "%s: trit PPL(Q) %.6f KLD %.6f p99 %.6f same top %.3f%% | llama.cpp %.6f %.6f %.6f %.3f%%",
                file, t.get("ppl").asDouble(), t.get("kld_mean").asDouble(), t.get("kld_p99").asDouble(), 100 * t.get("same_top").asDouble(),
                stat(ref, "Mean PPL(Q)"), stat(ref, "Mean KLD"), stat(ref, "99.0% KLD"), stat(ref, "Same top p"));
        System.out.println(got);

        // the base: llama.cpp's PPL(base) read back from its uint16 log-probabilities
        assertEquals(stat(ref, "Mean PPL(base)"), t.get("ppl_base").asDouble(), 1e-5 * stat(ref, "Mean PPL(base)"), got);
        assertEquals(stat(ref, "Mean PPL(Q)"), t.get("ppl").asDouble(), 1e-3 * stat(ref, "Mean PPL(Q)"), got);
        assertEquals(stat(ref, "Same top p"), 100 * t.get("same_top").asDouble(), 0.3, got);
        double kld = t.get("kld_mean").asDouble(), want = stat(ref, "Mean KLD");
        assertEquals(want, kld, 0.05 * want, got);
        // the uint16 base makes the smallest KLDs slightly negative, in trit as in llama.cpp
        assertTrue(t.get("kld_percentiles").get("Minimum").asDouble() < 0, got);
        assertTrue(stat(ref, "Minimum KLD") <= 0, got); // printed to 6 decimals: IQ4_NL's is "-0.000000"
    }

    @Test
    void theBaseAgainstItselfIsZeroUpToItsRounding() throws IOException {
        Path f16 = SharedFixtures.require("gguf/mini-llama-f16.gguf");
        Cli c = Cli.run("kld", "--base", base.toString(), f16.toString(), TEXT, "--json", "--threads", "2", "--activations", "llama-cpp");
        assertEquals(0, c.exitCode(), c::toString);
        JsonNode t = new ObjectMapper().readTree(c.out());
        // 16-bit steps of at most 16/65535 nats: the KL of the rounding alone is tiny and can be negative
        assertTrue(Math.abs(t.get("kld_mean").asDouble()) < 1e-6, t::toString);
        assertTrue(t.get("kld_percentiles").get("Minimum").asDouble() < 0, t::toString);
        assertTrue(t.get("same_top").asDouble() > 0.999, t::toString);
        assertEquals(t.get("ppl_base").asDouble(), t.get("ppl").asDouble(), 1e-4 * t.get("ppl").asDouble());
        // and the PPL of the base over these 100 windows is llama.cpp's (tokenization and windows are llama-perplexity's)
        JsonNode q8 = oracle.get("mini-llama-q8_0.gguf").get("kld_100x256");
        assertEquals(stat(q8, "Mean PPL(base)"), t.get("ppl").asDouble(), 1e-4 * stat(q8, "Mean PPL(base)"));
    }
}
