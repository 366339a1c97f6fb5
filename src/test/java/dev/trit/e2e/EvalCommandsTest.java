package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.analysis.FullLogitsArrowFile;
import dev.trit.analysis.LogitsArrowFile;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** trit mc, trit logits and trit kld on the bundled mini models. */
class EvalCommandsTest {
    static final Path MINI_LLAMA = Cli.FIXTURES.resolve("hf/mini-llama-f16");
    static final Path Q8 = Cli.FIXTURES.resolve("gguf/mini-llama-q8_0.gguf");
    static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");
    static final Path HELLASWAG = Cli.FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt");

    static JsonNode json(Cli c) throws IOException {
        assertEquals(0, c.exitCode(), c::toString);
        return new ObjectMapper().readTree(c.out());
    }

    @Test
    void kldOfAModelAgainstItselfIsZeroAndQ8IsClose(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base.arrow");
        Cli w = Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", base.toString(), "--max-windows", "4", "--top-k", "32", "--threads", "2");
        assertEquals(0, w.exitCode(), w::toString);
        assertEquals(4 * 255, LogitsArrowFile.read(base).rows().size());

        JsonNode self = json(Cli.run("kld", "--base", base.toString(), MINI_LLAMA.toString(), TEXT.toString(), "--json", "--threads", "2"));
        assertEquals(4 * 255, self.get("tokens").asInt());
        assertEquals(0.0, self.get("kld_mean").asDouble());
        assertEquals(0.0, self.get("kld_percentiles").get("Maximum").asDouble());
        assertEquals(1.0, self.get("same_top").asDouble());
        assertEquals(0.0, self.get("delta_ppl").asDouble());

        // llama.cpp's own Q8_0 conversion of the same checkpoint: quantization noise only.
        JsonNode q8 = json(Cli.run("kld", "--base", base.toString(), Q8.toString(), TEXT.toString(), "--json", "--threads", "2"));
        double kld = q8.get("kld_mean").asDouble();
        assertTrue(kld > 0 && kld < 0.01, "Q8_0 vs F16 mean KLD " + kld);
        assertTrue(q8.get("same_top").asDouble() > 0.95, q8::toString);
        Path results = dir.resolve("kld.json");
        assertEquals(0, Cli.run("kld", "--base", base.toString(), Q8.toString(), TEXT.toString(), "--results", results.toString()).exitCode());
        ResultTable t = ResultFiles.read(results);
        assertEquals(kld, t.metric("kld_mean").getFirst().value(), 0);
        assertEquals("wikitext-2-test", t.metric("kld_mean").getFirst().task());
        assertEquals("mini-llama-q8_0", t.metric("kld_mean").getFirst().model());
        assertEquals(4 * 255, t.metric("tokens").getFirst().value());

        // Reproducible run to run: a second baseline is the same dump, a second comparison the same numbers.
        Path again = dir.resolve("again.arrow");
        assertEquals(0, Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", again.toString(), "--max-windows", "4", "--top-k", "32", "--threads", "1").exitCode());
        assertEquals(LogitsArrowFile.read(base), LogitsArrowFile.read(again));
        assertEquals(q8, json(Cli.run("kld", "--base", base.toString(), Q8.toString(), TEXT.toString(), "--json", "--threads", "1")));
    }

    @Test
    void kldPrintsLlamaPerplexityStyleText(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base.arrow");
        assertEquals(0, Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", base.toString(), "--max-windows", "1", "--ctx", "64", "--protocol", "llama-cpp").exitCode());
        assertEquals(FullLogitsArrowFile.KIND, FullLogitsArrowFile.kind(base));
        Cli c = Cli.run("kld", "--base", base.toString(), Q8.toString(), TEXT.toString());
        assertEquals(0, c.exitCode(), c::toString);
        for (String s : new String[]{"Mean PPL(Q)", "Mean PPL(Q)-PPL(base)", "Mean    KLD:", "99.0%   KLD:", " 5.0%   KLD:", "Median  KLD:", "Mean    Δp:",
                "25.0%   Δp:", "RMS Δp", "Same top p:"}) {
            assertTrue(c.out().contains(s), s + " missing in\n" + c.out());
        }
    }

    @Test
    void logitsWritesTheFullBaseUnlessItExceedsMaxSize(@TempDir Path dir) throws IOException {
        Path full = dir.resolve("full.arrow"), small = dir.resolve("small.arrow");
        Cli f = Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", full.toString(), "--max-windows", "2", "--protocol", "llama-cpp");
        assertEquals(0, f.exitCode(), f::toString);
        assertTrue(f.out().contains("all 4096 log-probabilities"), f.out());
        // 2 x 127 positions x 4096 x 2 bytes = 2.1 MB: over a 1 MB limit it falls back to the top 32, and says so
        Cli s = Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", small.toString(), "--max-windows", "2", "--protocol", "llama-cpp", "--max-size", "1MB");
        assertEquals(0, s.exitCode(), s::toString);
        assertTrue(s.err().contains("over --max-size 1MB") && s.out().contains("top 32 of 4096"), s::toString);
        assertEquals(LogitsArrowFile.KIND, FullLogitsArrowFile.kind(small));
        assertEquals(2, Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", small.toString(), "--max-size", "lots").exitCode());

        // the model against its own full base: zero up to the 16-bit rounding (which can make it negative), as in llama.cpp
        JsonNode self = json(Cli.run("kld", "--base", full.toString(), MINI_LLAMA.toString(), TEXT.toString(), "--json"));
        assertEquals("full", self.get("base_kind").asText());
        assertEquals(254, self.get("tokens").asInt());
        assertTrue(Math.abs(self.get("kld_mean").asDouble()) < 1e-5, self::toString);
        assertTrue(self.get("same_top").asDouble() > 0.99, self::toString);
        JsonNode topk = json(Cli.run("kld", "--base", small.toString(), Q8.toString(), TEXT.toString(), "--json"));
        JsonNode all = json(Cli.run("kld", "--base", full.toString(), Q8.toString(), TEXT.toString(), "--json"));
        assertEquals("top-32", topk.get("base_kind").asText());
        // top-32 + rest is a lower bound of the full KL; the actual-token statistics agree
        assertTrue(topk.get("kld_mean").asDouble() < all.get("kld_mean").asDouble(), topk + "\n" + all);
        assertEquals(topk.get("ppl").asDouble(), all.get("ppl").asDouble(), 1e-4 * all.get("ppl").asDouble());
    }

    @Test
    void kldRefusesOtherTextsAndBadBases(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base.arrow");
        assertEquals(0, Cli.run("logits", MINI_LLAMA.toString(), TEXT.toString(), "--out", base.toString(), "--max-windows", "1", "--ctx", "32").exitCode());
        Path other = dir.resolve("other.txt");
        Files.writeString(other, "A completely different text, long enough to fill one window of thirty-two tokens: it goes on about kettles, roofs, barbells and guinea pigs for a while.");
        Cli c = Cli.run("kld", "--base", base.toString(), MINI_LLAMA.toString(), other.toString());
        assertEquals(1, c.exitCode(), c::toString);
        assertTrue(c.err().contains("different text"), c.err());
        Path junk = dir.resolve("junk.arrow");
        Files.writeString(junk, "junk");
        Cli j = Cli.run("kld", "--base", junk.toString(), MINI_LLAMA.toString(), TEXT.toString());
        assertEquals(1, j.exitCode(), j::toString);
        assertTrue(j.err().startsWith("trit: " + junk), j.err());
        assertEquals(1, j.err().strip().lines().count(), j.err());
    }

    @Test
    void mcHarnessAndLlamaCppMethods() throws IOException {
        JsonNode h = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--limit", "12", "--json", "--threads", "2"));
        assertEquals(12, h.get("n").asInt());
        assertEquals(12, h.get("items").size());
        JsonNode acc = h.get("metrics").get("acc");
        assertEquals(acc.get("correct").asDouble() / 12, acc.get("value").asDouble(), 1e-12);
        assertTrue(h.get("metrics").has("acc_norm"));
        JsonNode first = h.get("items").get(0);
        assertEquals(3, first.get("gold").asInt()); // line 2 of the file
        assertEquals(4, first.get("loglikelihoods").size());
        for (JsonNode ll : first.get("loglikelihoods")) assertTrue(ll.asDouble() < 0);
        // Same inputs, same numbers.
        JsonNode again = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--limit", "12", "--json", "--threads", "1"));
        assertEquals(h.get("items"), again.get("items"));

        JsonNode l = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--limit", "12", "--json", "--method", "llama-cpp"));
        assertTrue(l.get("metrics").has("acc_llama_cpp"));
        assertFalse(l.get("metrics").has("acc"));
    }

    @Test
    void mcOnPiqaWithTheSiblingLabelsFileWritesResults(@TempDir Path dir) throws IOException {
        Path results = dir.resolve("piqa.arrow");
        Cli c = Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", Cli.FIXTURES.resolve("data/piqa/valid-first200.jsonl").toString(),
                "--limit", "5", "--results", results.toString());
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(c.out().contains("acc_norm"), c.out());
        ResultTable t = ResultFiles.read(results);
        ResultRow acc = t.metric("acc").getFirst();
        assertEquals("mini-llama-f16", acc.model());
        assertEquals("piqa", acc.task());
        assertEquals("fraction", acc.unit());
        assertEquals(0, acc.value() * 5 % 1, 1e-9); // a multiple of 1/5
        assertEquals(5, t.metric("items").getFirst().value());
        assertEquals(1, t.metric("acc_norm_stderr").size());
    }

    @Test
    void mcUsageAndDataErrors(@TempDir Path dir) throws IOException {
        assertEquals(2, Cli.run("mc", MINI_LLAMA.toString(), "--task", "mmlu", "--data", HELLASWAG.toString()).exitCode());
        assertEquals(2, Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--method", "x").exitCode());
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "one\ntwo\n");
        Cli c = Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", bad.toString());
        assertEquals(1, c.exitCode(), c::toString);
        assertTrue(c.err().contains("not a multiple of 6"), c.err());
    }
}
