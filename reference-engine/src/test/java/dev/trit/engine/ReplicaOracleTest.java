package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.NpyReader;
import dev.trit.formats.NpzReader;
import dev.trit.formats.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tiny replicas of Hub checkpoints (../shared/fixtures/replicas) against transformers' own outputs
 * (oracle/replicas/NAME.npz): the engine runs the oracle's token ids, so this pins the model numerics
 * independently of the tokenizers. WikiText-2: windows w = 0..39 of [bos_token_id] + ids[255w, 255w+255),
 * every token scored; the probe sentence: log p of each next token, logsumexp and top-8 logits.
 *
 * Tolerances (oracle: transformers in float32; oracle-noise.json: the same models run in float32 and
 * float64 differ by 1e-8..1e-6 relative in perplexity for the float replicas, 4e-5..1.9e-4 for the ones
 * whose BitLinear quantizes activations to int8 per token, where a last-bit change of x·127/max|x| flips
 * an int8 value and these loud random models carry the flip through the rest of the window):
 * - float models: perplexity within 1e-4 relative (the bar; measured 1e-8..2e-7), every token's
 *   |dNLL| <= 1e-3 (measured max 2e-4: fp32 sums in another order), probe logits/lse within 1e-3;
 * - int8-activation models: each window agrees to 1e-4 per token until its first flip, then drifts
 *   either way (measured on llama3-bitlinear: first flip at token 2..243, per-window NLL sums -1.3..+1.1,
 *   perplexity 4.0e-4 relative — noise of the same kind as the oracle's own float32/float64 spread, ten
 *   times as large here only because trit's sums are exact integers, not float32 ones). So: a systematic
 *   error shows in every window from its first tokens, and that is what is bounded: in at least 3/4 of
 *   the windows the first 8 tokens agree within 1e-4, the median token within 1e-3, perplexity within
 *   5e-4 relative; probe values within 1e-3 on the first 8 positions and 0.25 after.
 */
class ReplicaOracleTest {
    private static final int WINDOWS = 40, CTX = 256;
    private static Parallel parallel;

    @BeforeAll
    static void pool() {
        parallel = new Parallel(2);
    }

    @AfterAll
    static void close() {
        parallel.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "bitnet-2b4t, true",
            "llama3-bitlinear, true",
            "falcon-e, true",
            "falcon-e-bf16, false",
            "llama-bitlinear-rmsnorm, true",
            "trilm-f16, false",
            "llama32-bf16, false",
            "qwen25-bf16, false",
            "qwen3-bf16, false",
            "gemma3-bf16, false",
    })
    void matchesTransformers(String name, boolean int8Activations) throws IOException {
        String only = System.getenv("TRIT_DEBUG_REPLICA");
        org.junit.jupiter.api.Assumptions.assumeTrue(only == null || only.equals(name), "TRIT_DEBUG_REPLICA picks another replica");
        Map<String, NpyReader.NpyArray> o = SharedFixtures.npz("oracle/replicas/" + name + ".npz");
        int[] ids = NpzReader.ints(o.get("wt2/ids"));
        // the ids trit ppl would feed (its transformers protocol): the oracle's, exactly
        String text = java.nio.file.Files.readString(SharedFixtures.require("../data/wikitext-2/test.txt"));
        Path dir = SharedFixtures.replica(name);
        int[] ours = dev.trit.engine.eval.EvalWindow.tokens(dev.trit.engine.tokenizer.Tokenizers.forModelDir(dir), text,
                dev.trit.engine.eval.EvalWindow.Protocol.HF);
        org.junit.jupiter.api.Assertions.assertArrayEquals(ids, ours, name + ": WikiText-2 ids");
        double[] expected = o.get("wt2/nll").data();
        try (Transformer m = HfModel.load(dir, new VectorKernels(parallel))) {
            PerplexityResult r = new PerplexityRun(m, CTX, PerplexityProtocol.HF_WINDOWS).run(ids, WINDOWS, null);
            assertEquals(expected.length, r.scored());
            double[] diff = new double[expected.length];
            double sum = 0, sumExpected = 0;
            for (int i = 0; i < diff.length; i++) {
                diff[i] = Math.abs(r.nll()[i] - expected[i]);
                sum += r.nll()[i];
                sumExpected += expected[i];
            }
            double[] sorted = diff.clone();
            Arrays.sort(sorted);
            double ppl = Math.exp(sum / diff.length), pplOracle = Math.exp(sumExpected / diff.length);
            double rel = Math.abs(ppl / pplOracle - 1);
            System.out.printf(Locale.ROOT, "%s: ppl %.4f vs transformers %.4f (rel %.2e), median |dNLL| %.2e, p99 %.2e, max %.2e%n",
                    name, ppl, pplOracle, rel, sorted[diff.length / 2], sorted[(int) (diff.length * 0.99)], sorted[diff.length - 1]);
            if (System.getenv("TRIT_DEBUG_REPLICA") != null) {
                for (int w = 0; w < WINDOWS; w++) {
                    int firstBad = -1, bad = 0;
                    double ws = 0;
                    for (int i = 0; i < 255; i++) {
                        double d = r.nll()[w * 255 + i] - expected[w * 255 + i];
                        ws += d;
                        if (Math.abs(d) > 1e-4) { bad++; if (firstBad < 0) firstBad = i; }
                    }
                    System.out.printf(Locale.ROOT, "  window %d: first |d|>1e-4 at %d, %d such, sum d %.4f%n", w, firstBad, bad, ws);
                }
            }
            assertTrue(rel <= (int8Activations ? 5e-4 : 1e-4), name + ": perplexity " + ppl + " vs " + pplOracle);
            // int8 activations: a token is either exact (|dNLL| ~1e-5) or downstream of a rounding flip (~1e-2, amplified by
            // these random models), and on llama3-bitlinear about half the tokens are downstream of one, so its median
            // sits between the two populations and moves with any float summation order: 2.1e-4 with attention's
            // lane-strided q.k sums, 1.2e-3 with the per-column fma chains of the current kernel (the float replicas:
            // 1e-5 either way). A systematic error moves every token, the window starts included, which the clean-start
            // check below catches; the median bound for these models is therefore 5e-3, above the flip boundary.
            double medianBound = int8Activations ? 5e-3 : 1e-3;
            assertTrue(sorted[diff.length / 2] <= medianBound, name + ": median |dNLL| " + sorted[diff.length / 2]);
            if (int8Activations) {
                int cleanStarts = 0;
                for (int w = 0; w < WINDOWS; w++) {
                    boolean clean = true;
                    for (int i = 0; i < 8; i++) clean &= diff[w * (CTX - 1) + i] <= 1e-4;
                    if (clean) cleanStarts++;
                }
                assertTrue(cleanStarts * 4 >= WINDOWS * 3, name + ": only " + cleanStarts + " of " + WINDOWS + " windows start exact");
            } else {
                assertTrue(sorted[diff.length - 1] <= 1e-3, name + ": max |dNLL| " + sorted[diff.length - 1]);
            }
            probe(name, m, o, int8Activations ? 0.25 : 1e-3);
            // greedy continuation of the probe's first 5 ids, as model.generate(do_sample=False) (no EOS stop)
            int[] gen = new Generator(m, new Sampler.Greedy()).generate(NpzReader.ints(o.get("gen/prompt_ids")), 16, t -> false, t -> { });
            org.junit.jupiter.api.Assertions.assertArrayEquals(NpzReader.ints(o.get("gen/ids")), gen, name + ": greedy ids");
        }
    }

    private static void probe(String name, Transformer m, Map<String, NpyReader.NpyArray> o, double slack) {
        int[] ids = NpzReader.ints(o.get("probe/ids"));
        double[] next = o.get("probe/next_logprob").data(), lse = o.get("probe/lse").data(), top = o.get("probe/top8_logits").data();
        int[] topIds = NpzReader.ints(o.get("probe/top8_ids"));
        int vocab = m.config().vocabSize();
        float[] logits = m.forward(ids, m.newCache(ids.length));
        for (int t = 0; t < ids.length; t++) {
            double tol = t < 8 ? Math.min(1e-3, slack) : slack;
            double max = Double.NEGATIVE_INFINITY, s = 0;
            for (int v = 0; v < vocab; v++) max = Math.max(max, logits[t * vocab + v]);
            for (int v = 0; v < vocab; v++) s += Math.exp(logits[t * vocab + v] - max);
            double myLse = max + Math.log(s);
            assertEquals(lse[t], myLse, tol, name + ": probe lse at " + t);
            if (t + 1 < ids.length) assertEquals(next[t], logits[t * vocab + ids[t + 1]] - myLse, tol, name + ": probe next_logprob at " + t);
            for (int k = 0; k < 8; k++) {
                assertEquals(top[t * 8 + k], logits[t * vocab + topIds[t * 8 + k]], tol, name + ": probe top-8 logit " + k + " at " + t);
            }
        }
    }
}
