package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.NpyReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code trit ppl} from the command line, on GGUF files written by llama.cpp. */
class PplTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt").toString();

    @TempDir
    Path tmp;

    private static JsonNode ppl(String... args) throws Exception {
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), r::toString);
        return JSON.readTree(r.out());
    }

    /**
     * TQ1_0 and TQ2_0 hold the same trits and scales (llama.cpp quantized the same ternary model), so
     * the engine must give the same numbers from both, bit for bit.
     */
    @Test
    void tq1AndTq2GiveTheSamePerplexity() throws Exception {
        JsonNode a = ppl("ppl", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq1_0.gguf").toString(), TEXT,
                "--protocol", "llama-cpp", "--max-windows", "12", "--json");
        Path nll = tmp.resolve("nll.arrow");
        JsonNode b = ppl("ppl", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString(), TEXT,
                "--protocol", "llama-cpp", "--max-windows", "12", "--json", "--nll-out", nll.toString());
        byte[] arrow = Files.readAllBytes(nll);
        assertEquals("ARROW1", new String(arrow, 0, 6, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(arrow.length > 12 * 127 * 12, "an int32 and a float64 column per scored token");
        assertEquals(12 * 127, a.get("tokens").asInt());
        assertEquals(a.get("perplexity").asDouble(), b.get("perplexity").asDouble(), 1e-9);
        // Same ballpark as llama-perplexity's 38.81 over the whole file (fixtures/README.md).
        assertTrue(a.get("perplexity").asDouble() > 20 && a.get("perplexity").asDouble() < 80, a::toString);
    }

    /**
     * llama.cpp's F16 LLaMA GGUF holds the HF model's fp16 weights with Q/K rows permuted; once the
     * engine undoes the permutation, the transformers protocol must reproduce the transformers oracle
     * (fp32 run) over the first 100 windows as closely as the HF checkpoint does (1e-6 relative).
     */
    @Test
    void llamaF16GgufMatchesTransformersOracle() throws Exception {
        Path gguf = Cli.SHARED.resolve("gguf/mini-llama-f16.gguf");
        dev.trit.formats.testing.SharedFixtures.present(gguf);
        double[] nll = NpyReader.read(Cli.FIXTURES.resolve("oracle/wikitext-2-test/mini-llama-f16.wt2test.nll-first25500.npy")).data();
        double mean = 0;
        for (double v : nll) mean += v / nll.length;
        JsonNode r = ppl("ppl", gguf.toString(), TEXT, "--max-windows", "100", "--json");
        assertEquals(nll.length, r.get("tokens").asInt());
        assertEquals(Math.exp(mean), r.get("perplexity").asDouble(), 1e-6 * Math.exp(mean));
    }

    /** Q8_0 of the same LLaMA: close to the fp16 model (8-bit weights), not equal. */
    @Test
    void llamaQ8IsCloseToTheF16Oracle() throws Exception {
        double[] nll = NpyReader.read(Cli.FIXTURES.resolve("oracle/wikitext-2-test/mini-llama-f16.wt2test.nll-first25500.npy")).data();
        double mean = 0;
        for (int i = 0; i < 20 * 255; i++) mean += nll[i] / (20 * 255);
        JsonNode r = ppl("ppl", Cli.FIXTURES.resolve("gguf/mini-llama-q8_0.gguf").toString(), TEXT, "--max-windows", "20", "--json");
        double rel = r.get("perplexity").asDouble() / Math.exp(mean) - 1;
        assertTrue(Math.abs(rel) < 0.01, "Q8_0 vs F16 oracle: " + rel);
        assertNotEquals(0.0, rel);
    }

    /**
     * A post-training ternarized LLaMA in GGUF (arch llama, TQ2_0: Q/K rows permuted, weights decoded
     * rather than read in place) against the same weights taken back to HF f32 by the converter, which
     * undoes the permutation with its own code: both must give the same perplexity.
     */
    @Test
    void ternarizedLlamaGgufMatchesItsHfDequantization() throws Exception {
        Path gguf = tmp.resolve("tern.gguf"), hf = tmp.resolve("tern-hf");
        assertEquals(0, Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), gguf.toString(),
                "-t", "tq2_0", "--ternarize").exitCode());
        assertEquals(0, Cli.run("convert", "-q", gguf.toString(), hf.toString(), "-t", "f32").exitCode());
        double a = ppl("ppl", gguf.toString(), TEXT, "--max-windows", "4", "--json").get("perplexity").asDouble();
        double b = ppl("ppl", hf.toString(), TEXT, "--max-windows", "4", "--json").get("perplexity").asDouble();
        assertEquals(b, a, 1e-6 * b);
    }

    @Test
    void badInputs() throws Exception {
        Path bin = tmp.resolve("bin.txt");
        Files.write(bin, new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1});
        Cli r = Cli.run("ppl", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString(), bin.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("not valid UTF-8"), r::toString);
        Cli missing = Cli.run("ppl", tmp.resolve("nope").toString(), TEXT);
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("nope"), missing::toString);
        assertEquals(2, Cli.run("ppl", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString(), TEXT, "--protocol", "x").exitCode());
        assertEquals(2, Cli.run("ppl", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString()).exitCode());
        Path tiny = tmp.resolve("tiny.txt");
        Files.writeString(tiny, "hello");
        Cli small = Cli.run("ppl", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString(), tiny.toString());
        assertEquals(1, small.exitCode(), small::toString);
        assertTrue(small.err().contains("no full window"), small::toString);
    }
}
