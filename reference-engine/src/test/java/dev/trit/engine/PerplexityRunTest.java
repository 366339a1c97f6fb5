package dev.trit.engine;

import dev.trit.formats.family.Activation;
import dev.trit.formats.family.LayerSpec;
import dev.trit.formats.family.LinearSpec;
import dev.trit.formats.family.Llama;
import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.family.RopeSpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The windowing of both perplexity protocols on a tiny random model: each scored NLL must be the one a
 * single forward pass over the window the protocol prescribes gives (see PerplexityProtocol, and
 * llama.cpp's perplexity.cpp: chunk of n_ctx with the first token set to BOS, first = n_ctx/2, tokens
 * first+1 .. n_ctx-1 scored).
 */
class PerplexityRunTest {
    private static final int VOCAB = 11, BOS = 1;

    private static Transformer tinyModel() {
        ModelSpec c = new ModelSpec(Llama.INSTANCE, 8, 1, 2, 1, 4, 16, VOCAB, 1e-5f, false, false, false, false, false, false, false,
                Activation.SILU, 1f, true, 0.5f, 0f, 0f, List.of(new LayerSpec(0, RopeSpec.plain(10000.0))), LinearSpec.FLOAT, BOS, 2, 64);
        Random r = new Random(3);
        FloatMatrix emb = random(r, VOCAB, 8);
        float[] ones = new float[8];
        java.util.Arrays.fill(ones, 1f);
        DecoderLayer l = new DecoderLayer(ones, Linear.of(random(r, 8, 8)), Linear.of(random(r, 4, 8)), Linear.of(random(r, 4, 8)),
                Linear.of(random(r, 8, 8)), null, null, null, ones, null, null,
                Linear.of(random(r, 16, 8)), Linear.of(random(r, 16, 8)), Linear.of(random(r, 8, 16)), null);
        return new Transformer(c, emb, List.of(l), ones, emb, new ScalarKernels());
    }

    private static FloatMatrix random(Random r, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return new FloatMatrix(rows, cols, d);
    }

    private static int[] ids(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 3 + (i * 7) % 8;
        return ids;
    }

    /** NLL of input[target] given input[0..target) from one fresh forward over the whole input. */
    private static double nll(Transformer m, int[] input, int target) {
        float[] logits = m.forward(input, m.newCache(input.length));
        return PerplexityRun.negLogLikelihood(logits, (target - 1) * VOCAB, VOCAB, input[target]);
    }

    @Test
    void hfWindowsScoreEveryTokenAfterBos() {
        Transformer m = tinyModel();
        int[] ids = ids(13); // ctx 5: windows of 4 tokens -> 3 windows, 1 token dropped
        PerplexityResult r = new PerplexityRun(m, 5, PerplexityProtocol.HF_WINDOWS).run(ids, 0, null);
        List<Double> expected = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int[] input = {BOS, ids[4 * w], ids[4 * w + 1], ids[4 * w + 2], ids[4 * w + 3]};
            for (int t = 1; t < 5; t++) expected.add(nll(m, input, t));
        }
        assertEquals(3, r.windows());
        assertEquals(12, r.scored());
        assertArrayEquals(expected.stream().mapToDouble(Double::doubleValue).toArray(), r.nll(), 1e-5);
        double mean = expected.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertEquals(Math.exp(mean), r.perplexity(), 1e-4 * Math.exp(mean));
    }

    @Test
    void llamaCppScoresSecondHalfWithBosReplacingFirstToken() {
        Transformer m = tinyModel();
        int[] ids = ids(13); // ctx 6: chunks [0,6) [6,12), token 12 dropped; first = 3, targets 4 and 5
        PerplexityResult r = new PerplexityRun(m, 6, PerplexityProtocol.LLAMA_CPP).run(ids, 0, null);
        List<Double> expected = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int[] input = java.util.Arrays.copyOfRange(ids, 6 * w, 6 * w + 6);
            input[0] = BOS;
            for (int t = 4; t < 6; t++) expected.add(nll(m, input, t));
        }
        assertEquals(2, r.windows());
        assertArrayEquals(expected.stream().mapToDouble(Double::doubleValue).toArray(), r.nll(), 1e-5);
    }

    @Test
    void maxWindowsLimitsTheRunAndTooFewTokensIsAnError() {
        Transformer m = tinyModel();
        assertEquals(1, new PerplexityRun(m, 5, PerplexityProtocol.HF_WINDOWS).run(ids(13), 1, null).windows());
        assertThrows(IllegalArgumentException.class, () -> new PerplexityRun(m, 5, PerplexityProtocol.HF_WINDOWS).run(ids(3), 0, null));
    }
}
