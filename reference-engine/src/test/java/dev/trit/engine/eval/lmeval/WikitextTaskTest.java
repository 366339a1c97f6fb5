package dev.trit.engine.eval.lmeval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.engine.HfModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.Transformer;
import dev.trit.engine.VectorKernels;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.TransformerLogits;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.NpyReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Scoring and aggregation of the wikitext task, and its agreement with the transformers oracle. */
class WikitextTaskTest {
    private static final Path FIXTURES = Path.of(System.getProperty("trit.root"), "fixtures");

    /**
     * Where a rolling window coincides with the oracle's: the first window of a token stream reads
     * [BOS] + its first 255 tokens, as every oracle window does (fixtures/README.md: the whole test file
     * tokenized without special tokens, windows of 255 run as [BOS] + window). Its first 255 predictions must
     * be the oracle's first 255 NLLs (the 256th, of token 255, is the rolling window's own). Bounds per token
     * as WikitextNllTest measured them over 25,500 tokens: fp32 LLaMA pure float rounding (max 1e-5 there),
     * bf16 packed BitNet the oracle's bf16 rounding (median 0.010, max 0.31 there).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"demo-llama-f16, 1e-5, 1e-4", "demo-bitnet-packed, 0.03, 0.6"})
    void firstWindowMatchesTransformersOracle(String model, double medianBound, double maxBound) throws IOException {
        Path dir = FIXTURES.resolve("hf").resolve(model);
        Tokenizer tok = Tokenizers.forModelDir(dir);
        String text = Files.readString(FIXTURES.resolve("data/wikitext-2/test.txt"));
        int[] ids = Arrays.copyOf(EvalWindow.tokens(tok, text, EvalWindow.Protocol.HF), 600);
        double[] oracle = NpyReader.read(FIXTURES.resolve("oracle/wikitext-2-test/" + model + ".wt2test.nll-first25500.npy")).data();
        try (Parallel pool = new Parallel(2)) {
            Transformer m = HfModel.load(dir, new VectorKernels(pool));
            int bos = tok.bos().orElseThrow();
            WikitextTask task = new WikitextTask(new TransformerLogits(m), s -> { throw new AssertionError(); }, bos, 256);
            List<RollingWindows.Window> windows = RollingWindows.of(Arrays.copyOf(ids, 256), bos, 256);
            assertEquals(1, windows.size());
            double[] nll = task.score(windows, 256);
            double[] diff = new double[255];
            for (int i = 0; i < 255; i++) diff[i] = Math.abs(nll[i] - oracle[i]);
            Arrays.sort(diff);
            System.out.printf("%s: first window vs oracle, median |dNLL| %.2e, max %.2e%n", model, diff[127], diff[254]);
            assertTrue(diff[127] <= medianBound, "median " + diff[127]);
            assertTrue(diff[254] <= maxBound, "max " + diff[254]);
        }
    }

    @Test
    void metricsAggregateOverDocuments() {
        // weighted_perplexity and bits_per_byte of lm_eval/api/metrics.py: sums over documents, not a mean of ratios
        var docs = List.of(new WikitextTask.Doc(0, 10, 1, 20.0, 8, 40), new WikitextTask.Doc(1, 5, 1, 6.0, 2, 10));
        var r = new WikitextTask.Result(docs, new double[15], 1);
        assertEquals(26.0, r.nllSum(), 1e-12);
        assertEquals(Math.exp(26.0 / 10), r.wordPerplexity(), 1e-12);
        assertEquals(Math.exp(26.0 / 50), r.bytePerplexity(), 1e-12);
        assertEquals(26.0 / (Math.log(2) * 50), r.bitsPerByte(), 1e-15);
        assertEquals(Math.log(r.bytePerplexity()) / Math.log(2), r.bitsPerByte(), 1e-12);
        assertEquals(2, r.windows());
    }
}
