package dev.trit.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.NpyReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformers perplexity protocol end to end on the first 100 windows of WikiText-2 test:
 * our tokenizer on the real file, our windows ([BOS] + 255 tokens, fresh cache), our forward pass,
 * against the oracle's per-token NLL (fixtures/oracle/wikitext-2-test/*.nll-first25500.npy, the first
 * 25,500 values of the arrays transformers wrote).
 *
 * <p>Tolerances: per token as in {@link WikitextPrefixNllTest} (fp32 oracle runs agree to float
 * rounding; the bf16 runs round logits to 8 significant bits). Perplexity over the 25,500 tokens:
 * 0.3% for the bf16 runs (the issue's bound for the full file) and 0.05% for the fp32 ones, where
 * rounding noise averages out over 25,500 tokens.
 */
class WikitextWindowsTest {
    private static Parallel parallel;

    @BeforeAll
    static void pool() {
        parallel = new Parallel(Runtime.getRuntime().availableProcessors());
    }

    @AfterAll
    static void close() {
        parallel.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "demo-llama-f16, 0.001, 0.0005",
            "mini-llama-f16, 0.001, 0.0005",
            "mini-bitnet-fp16, 0.001, 0.0005",
            "demo-bitnet-bf16, 0.15, 0.003",
            "demo-bitnet-packed, 0.15, 0.003",
            "demo1-bitnet-packed, 0.15, 0.003",
    })
    void hundredWindowsMatchTransformers(String model, double tokenTolerance, double pplTolerance) throws IOException {
        JsonNode oracle = Fixtures.json("oracle/wikitext-2-test/oracle-wt2test.json").get(model);
        String text = Files.readString(Fixtures.root().resolve("data/wikitext-2/test.txt"));
        Tokenizer tok = Tokenizers.forModelDir(Fixtures.hf(model));
        int[] ids = tok.encode(text, false);
        assertEquals(oracle.get("n_tokens").asInt(), ids.length, "token count of the whole file");
        int[] first = new int[oracle.get("first_ids").size()];
        for (int i = 0; i < first.length; i++) first[i] = oracle.get("first_ids").get(i).asInt();
        assertArrayEquals(first, java.util.Arrays.copyOf(ids, first.length));

        double[] expected = NpyReader.read(Fixtures.root().resolve("oracle/wikitext-2-test/" + model + ".wt2test.nll-first25500.npy")).data();
        Transformer m = Fixtures.load(model, new VectorKernels(parallel));
        PerplexityResult r = new PerplexityRun(m, 256, PerplexityProtocol.HF_WINDOWS).run(ids, 100, null);
        assertEquals(expected.length, r.scored());
        double maxDiff = 0, sumExpected = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(r.nll()[i] - expected[i]));
            sumExpected += expected[i];
        }
        double pplExpected = Math.exp(sumExpected / expected.length);
        double rel = Math.abs(r.perplexity() / pplExpected - 1);
        System.out.printf("%s: 100 windows, ppl %.4f vs transformers %.4f (rel %.2e), max|dNLL| %.2e%n",
                model, r.perplexity(), pplExpected, rel, maxDiff);
        assertTrue(maxDiff <= tokenTolerance, model + ": max per-token NLL difference " + maxDiff);
        assertTrue(rel <= pplTolerance, model + ": perplexity " + r.perplexity() + " vs " + pplExpected);
    }
}
