package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.formats.NpyReader;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Per-token NLL on the start of WikiText-2 test against transformers. The oracle file gives the first 32
 * token ids of the stream; the model is causal, so running [BOS] + those 32 ids reproduces exactly the
 * first 32 predictions of the oracle's first window ([BOS] + 255 ids), whose NLLs are the first 32 values
 * of the .nll npy. This covers demo-bitnet-bf16 (online ternarization), which has no probe in the oracles.
 *
 * <p>Independent of the tokenizer; WikitextNllTest covers the first 100 windows with it.
 */
class WikitextPrefixNllTest {
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
     * Tolerance per token (measured values in parentheses):
     * - LLaMA and the fp16-latent 1bitLLM BitNet, 1e-3: the oracle ran them in fp32 and we agree to
     *   float rounding (3e-6 and 5e-6).
     * - packed BitNet, 0.15: the oracle ran transformers' packed BitLinear in bf16 end to end; bf16 keeps 8
     *   significant bits, so its logits of magnitude 8..16 are rounded to multiples of 0.0625 and the
     *   residual stream carries more (0.054).
     * - demo-bitnet-bf16, 0.15: the README says latent checkpoints ran in fp32, but this one deviates
     *   like a bf16 run already at the first token (0.008 at position 0, 0.047 max) while the fp16-latent
     *   mini model matches to 5e-6 through the same code path, so the oracle evidently kept the bf16 model
     *   dtype (AutoBitLinear then rounds W_t/s and x_q/s to bf16). Same bound as the packed bf16 run.
     * The mean difference over the 32 tokens is held to a third of the bound: rounding noise does not
     * shift the NLL in one direction, a real error (wrong scale, norm, RoPE) does.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "demo-llama-f16, 0.001",
            "mini-llama-f16, 0.001",
            "mini-bitnet-fp16, 0.001",
            "demo-bitnet-bf16, 0.15",
            "demo-bitnet-packed, 0.15",
            "demo1-bitnet-packed, 0.15",
    })
    void firstTokensMatchTransformers(String model, double tolerance) throws IOException {
        JsonNode firstIds = Fixtures.json("oracle/wikitext-2-test/oracle-wt2test.json").get(model).get("first_ids");
        int[] ids = new int[firstIds.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = firstIds.get(i).asInt();
        double[] oracle = NpyReader.read(Fixtures.root().resolve("oracle/wikitext-2-test/" + model + ".wt2test.nll-first25500.npy")).data();

        Transformer m = Fixtures.load(model, new VectorKernels(parallel));
        PerplexityResult r = new PerplexityRun(m, ids.length + 1, PerplexityProtocol.HF_WINDOWS).run(ids, 0, null);

        double maxDiff = 0, sumDiff = 0;
        for (int i = 0; i < ids.length; i++) {
            double d = r.nll()[i] - oracle[i];
            maxDiff = Math.max(maxDiff, Math.abs(d));
            sumDiff += d;
        }
        double meanDiff = sumDiff / ids.length;
        System.out.printf("%s: %d tokens, max|dNLL|=%.2e, mean dNLL=%.2e%n", model, ids.length, maxDiff, meanDiff);
        assertTrue(maxDiff <= tolerance, model + ": max NLL diff " + maxDiff);
        assertTrue(Math.abs(meanDiff) <= tolerance / 3, model + ": mean NLL diff " + meanDiff);
    }
}
