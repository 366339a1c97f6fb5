package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * trit bench/ppl --peer with the real llama.cpp that scripts/build-llama-cpp.sh builds into
 * ${XDG_CACHE_HOME:-~/.cache}/trit/peers/llama.cpp/src/build/bin (or $TRIT_PEER_LLAMA_CPP); skipped
 * where that build is absent (CI).
 */
class RealPeerTest {
    @TempDir
    Path tmp;

    static Path bin() {
        String env = System.getenv("TRIT_PEER_LLAMA_CPP");
        if (env != null && !env.isBlank()) return Path.of(env);
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("trit/peers/llama.cpp/src/build/bin");
    }

    @Test
    void benchBesideLlamaCppOnABundledFileAndOnItsBitnetB158Rename() throws IOException {
        Path bin = bin();
        assumeTrue(Files.isExecutable(bin.resolve("llama-bench")), "no llama.cpp build at " + bin + " (scripts/build-llama-cpp.sh)");
        Path tq2 = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");
        Path b158 = tmp.resolve("mini-b158.gguf");
        try (GgufFile f = GgufFile.open(tq2)) {
            GgufWriter.withArchitecture(f, "bitnet-b1.58").write(b158);
        }
        Cli c = Cli.run("bench", tq2.toString(), b158.toString(), "--peer", bin.toString(), "--prompt", "16", "--gen", "4", "--repeat", "1",
                "--threads", "1", "--bandwidth-mib", "0", "--json");
        assertEquals(0, c.exitCode(), c::toString);
        JsonNode models = new ObjectMapper().readTree(c.out()).get("models");
        for (JsonNode m : models) {
            JsonNode p = m.get("peers").get(0);
            assertTrue(p.get("prefill_tok_s").asDouble() > 0 && p.get("decode_tok_s").asDouble() > 0, p::toString);
            assertTrue(p.get("model_type").asText().startsWith("bitnet "), p::toString);
        }
        assertFalse(models.get(0).get("peers").get(0).get("renamed_architecture").asBoolean());
        assertTrue(models.get(1).get("peers").get(0).get("renamed_architecture").asBoolean());
    }

    @Test
    void pplBesideLlamaCppAgrees() throws IOException {
        Path bin = bin();
        assumeTrue(Files.isExecutable(bin.resolve("llama-perplexity")), "no llama.cpp build at " + bin + " (scripts/build-llama-cpp.sh)");
        Path tq2 = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");
        Cli c = Cli.run("ppl", tq2.toString(), Cli.FIXTURES.resolve("data/wikitext-2/test.txt").toString(), "--protocol", "llama-cpp",
                "--ctx", "256", "--max-windows", "20", "--threads", "1", "--peer", bin.toString(), "--json");
        assertEquals(0, c.exitCode(), c::toString);
        JsonNode o = new ObjectMapper().readTree(c.out());
        JsonNode p = o.get("peers").get(0);
        assertEquals(20, p.get("chunks").asInt());
        assertEquals(256, p.get("ctx").asInt());
        assertTrue(p.get("tokens_per_second").asDouble() > 0);
        // same file, same protocol: the engines agree to within their activation quantization (per token in trit, per
        // 256-block in llama.cpp's TQ kernels): 44.06 and 43.82 here (80fb11a); 4 windows of 128 differed by 4%
        assertEquals(o.get("perplexity").asDouble(), p.get("perplexity").asDouble(), 0.02 * o.get("perplexity").asDouble(), c::toString);
    }
}
