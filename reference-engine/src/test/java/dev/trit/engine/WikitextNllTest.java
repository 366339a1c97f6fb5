package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.NpyReader;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * WikiText-2 test per-token NLL against transformers over the first 100 windows (25,500 tokens): the
 * text tokenized by our tokenizer (no special tokens), windows of 255 tokens each run as [BOS] + window,
 * compared token by token with the oracle's *.nll-first25500.npy.
 */
class WikitextNllTest {
    private static final int WINDOWS = 100, CTX = 256;
    private static Parallel parallel;

    @BeforeAll
    static void pool() {
        parallel = new Parallel(2);
    }

    @AfterAll
    static void close() {
        parallel.close();
    }

    /*
     * Bounds on |our NLL - oracle NLL| per token: the median, the 99th percentile and the maximum, and on
     * the mean signed difference (= log of the perplexity ratio). Measured values in the comments.
     * - LLaMA (oracle fp32): pure float rounding; measured max 1e-5, mean 1e-9. Bounds 1e-4 / 1e-6.
     * - 1bitLLM BitNet (oracle fp32): exact until an int8 activation lands on the other side of a
     *   rounding boundary than on the GPU (last-bit differences in fp32 sums); such a flip nudges the
     *   rest of its window. Measured median 1.1e-3, p99 0.016, max 0.038, mean 3e-5.
     * - bf16 runs (packed checkpoints; demo-bitnet-bf16 evidently also ran in bf16, see
     *   WikitextPrefixNllTest): the oracle's logits carry bf16 rounding (8 significant bits) and its
     *   residual stream accumulates more. Measured median 0.010, p99 0.058, p99.9 0.096, max 0.31,
     *   mean 2e-4.
     * A real error (scale direction, norm placement, GQA mapping, RoPE pairing, eps) moves the mean and
     * the median far beyond these bounds: the mean bound on bf16 runs, 1e-3, is a perplexity ratio of
     * 1.001; the fp32 models pin the shared code to 1e-5.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "demo-llama-f16, 1e-5, 1e-4, 1e-4, 1e-6",
            "mini-llama-f16, 1e-5, 1e-4, 1e-4, 1e-6",
            "mini-bitnet-fp16, 5e-3, 0.05, 0.15, 2e-4",
            "demo-bitnet-bf16, 0.03, 0.15, 0.6, 1e-3",
            "demo-bitnet-packed, 0.03, 0.15, 0.6, 1e-3",
            "demo1-bitnet-packed, 0.03, 0.15, 0.6, 1e-3",
    })
    void firstHundredWindowsMatchTransformers(String model, double medianBound, double p99Bound, double maxBound, double meanBound) throws IOException {
        JsonNode oracle = Fixtures.json("oracle/wikitext-2-test/oracle-wt2test.json").get(model);
        String text = Files.readString(Fixtures.root().resolve("data/wikitext-2/test.txt"));
        Tokenizer tok = Tokenizers.forModelDir(Fixtures.hf(model));
        int[] ids = tok.encode(text, false);
        assertEquals(oracle.get("n_tokens").asInt(), ids.length, "token count of test.txt");
        int[] first = new int[oracle.get("first_ids").size()];
        for (int i = 0; i < first.length; i++) first[i] = oracle.get("first_ids").get(i).asInt();
        assertArrayEquals(first, Arrays.copyOf(ids, first.length));

        double[] expected = NpyReader.read(Fixtures.root().resolve("oracle/wikitext-2-test/" + model + ".wt2test.nll-first25500.npy")).data();
        Transformer m = Fixtures.load(model, new VectorKernels(parallel));
        PerplexityResult r = new PerplexityRun(m, CTX, PerplexityProtocol.HF_WINDOWS).run(ids, WINDOWS, null);
        assertEquals(expected.length, r.scored());

        double[] diff = new double[expected.length];
        double sum = 0, sumExpected = 0;
        for (int i = 0; i < diff.length; i++) {
            diff[i] = Math.abs(r.nll()[i] - expected[i]);
            sum += r.nll()[i] - expected[i];
            sumExpected += expected[i];
        }
        double[] sorted = diff.clone();
        Arrays.sort(sorted);
        double meanDiff = sum / diff.length;
        double pplOracle = Math.exp(sumExpected / diff.length);
        System.out.printf("%s: %d tokens, ppl %.4f vs oracle %.4f, mean dNLL %.2e, median |d| %.2e, p99 %.2e, p99.9 %.2e, max %.2e (%.1fs)%n",
                model, diff.length, r.perplexity(), pplOracle, meanDiff, sorted[diff.length / 2], sorted[(int) (diff.length * 0.99)],
                sorted[(int) (diff.length * 0.999)], sorted[diff.length - 1], r.seconds());
        assertTrue(sorted[diff.length / 2] <= medianBound, model + ": median |dNLL| " + sorted[diff.length / 2]);
        assertTrue(sorted[(int) (diff.length * 0.99)] <= p99Bound, model + ": p99 |dNLL| " + sorted[(int) (diff.length * 0.99)]);
        assertTrue(sorted[diff.length - 1] <= maxBound, model + ": max |dNLL| " + sorted[diff.length - 1]);
        assertTrue(Math.abs(meanDiff) <= meanBound, model + ": mean dNLL " + meanDiff);
    }
}
