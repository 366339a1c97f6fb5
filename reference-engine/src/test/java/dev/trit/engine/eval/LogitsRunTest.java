package dev.trit.engine.eval;

import dev.trit.engine.LogSoftmax;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LogitsRunTest {
    static int[] text(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 3 + (i * 37) % 90;
        return t;
    }

    @Test
    void hfWindowsScoreEveryTokenAfterBos() {
        int[] t = text(20);
        List<EvalWindow> ws = EvalWindow.cut(t, 8, 1, EvalWindow.Protocol.HF, 0);
        assertEquals(2, ws.size()); // 20 / 7, trailing 6 tokens dropped
        EvalWindow w = ws.get(1);
        assertArrayEquals(new int[]{1, t[7], t[8], t[9], t[10], t[11], t[12]}, w.input());
        assertArrayEquals(java.util.Arrays.copyOfRange(t, 7, 14), w.targets());
        assertEquals(0, w.firstScored());
        assertEquals(7, w.firstTarget());
        assertEquals(1, EvalWindow.cut(t, 8, 1, EvalWindow.Protocol.HF, 1).size());
    }

    @Test
    void llamaCppChunksScoreTheSecondHalf() {
        int[] t = text(20);
        List<EvalWindow> ws = EvalWindow.cut(t, 8, 1, EvalWindow.Protocol.LLAMA_CPP, 0);
        assertEquals(2, ws.size());
        EvalWindow w = ws.get(1);
        assertArrayEquals(new int[]{1, t[9], t[10], t[11], t[12], t[13], t[14]}, w.input());
        // first = 4: logits of positions 4..6 predict chunk tokens 5..7
        assertEquals(4, w.firstScored());
        assertArrayEquals(new int[]{t[13], t[14], t[15]}, w.targets());
        assertEquals(13, w.firstTarget());
    }

    @Test
    void modelAgainstItselfIsZeroAndReproducible() {
        LogitSource m = Fakes.history(Fakes.VOCAB, 64);
        List<EvalWindow> ws = EvalWindow.cut(text(400), 32, 1, EvalWindow.Protocol.HF, 0);
        LogitsDump base = LogitsRun.dump(m, ws, 32, Map.of("model", "fake"), null);
        assertEquals(12 * 31, base.rows().size());
        assertEquals(base.rows(), LogitsRun.dump(m, ws, 32, Map.of("model", "fake"), null).rows());
        KldStats.Summary s = LogitsRun.compare(m, ws, base, null).summary();
        assertEquals(0.0, s.kld().value());
        assertEquals(0.0, s.kldPercentiles().get("Maximum"));
        assertEquals(1.0, s.sameTop().value());
        assertEquals(0.0, s.pplDiff().value());
        assertEquals(0.0, s.deltaP().value());
        assertEquals(0.0, s.rmsDeltaP().value());
    }

    @Test
    void anotherModelDiverges() {
        List<EvalWindow> ws = EvalWindow.cut(text(200), 32, 1, EvalWindow.Protocol.LLAMA_CPP, 0);
        LogitsDump base = LogitsRun.dump(Fakes.history(Fakes.VOCAB, 64), ws, 8, Map.of(), null);
        KldStats.Summary s = LogitsRun.compare(shifted(Fakes.history(Fakes.VOCAB, 64)), ws, base, null).summary();
        assertTrue(s.kld().value() > 0);
        assertTrue(s.sameTop().value() < 1);
    }

    @Test
    void onePassGivesWhatSeparateRunsGive() {
        List<EvalWindow> ws = EvalWindow.cut(text(300), 32, 1, EvalWindow.Protocol.HF, 0);
        LogitSource a = Fakes.history(Fakes.VOCAB, 64), b = shifted(Fakes.history(Fakes.VOCAB, 64));
        LogitsDump baseA = LogitsRun.dump(a, ws, 8, Map.of(), null), baseB = LogitsRun.dump(b, ws, 8, Map.of(), null);
        LogitsRun.Pass p = LogitsRun.pass(b, ws, List.of(baseA, baseB), 8, Map.of(), null);
        assertEquals(LogitsRun.compare(b, ws, baseA, null).summary().kld(), p.vsBases().get(0).summary().kld());
        assertEquals(0.0, p.vsBases().get(1).summary().kld().value());
        assertEquals(baseB.rows(), p.dump().rows());
        // Perplexity from the NLL sum: the same tokens' log-probabilities summed independently.
        double nll = 0;
        long n = 0;
        for (EvalWindow w : ws) {
            float[][] rows = b.logits(w.input());
            for (int j = 0; j < w.targets().length; j++, n++) nll -= LogSoftmax.logProb(rows[w.firstScored() + j], w.targets()[j]);
        }
        assertEquals(n, p.tokens());
        assertEquals(Math.exp(nll / n), p.perplexity(), 1e-12 * Math.exp(nll / n));
        assertNull(LogitsRun.pass(b, ws, List.of(), 0, Map.of(), null).dump());
    }

    /** The same fake with every logit of token 5 raised: a different model with the same vocabulary. */
    static LogitSource shifted(LogitSource a) {
        return new LogitSource() {
            public int vocabSize() {
                return a.vocabSize();
            }

            public int maxTokens() {
                return a.maxTokens();
            }

            public float[][] logits(int[] tokens) {
                float[][] r = a.logits(tokens);
                for (float[] row : r) row[5] += 4;
                return r;
            }
        };
    }

    @Test
    void differentTokensAreRefused() {
        LogitSource m = Fakes.history(Fakes.VOCAB, 64);
        LogitsDump base = LogitsRun.dump(m, EvalWindow.cut(text(100), 16, 1, EvalWindow.Protocol.HF, 0), 4, Map.of(), null);
        int[] other = text(100);
        other[20] = 99;
        String msg = assertThrows(IllegalArgumentException.class,
                () -> LogitsRun.compare(m, EvalWindow.cut(other, 16, 1, EvalWindow.Protocol.HF, 0), base, null)).getMessage();
        assertTrue(msg.contains("position 20"), msg);
        assertThrows(IllegalArgumentException.class,
                () -> LogitsRun.compare(m, EvalWindow.cut(text(100), 16, 1, EvalWindow.Protocol.HF, 2), base, null));
        assertThrows(IllegalArgumentException.class,
                () -> LogitsRun.compare(Fakes.history(200, 64), EvalWindow.cut(text(100), 16, 1, EvalWindow.Protocol.HF, 0), base, null));
    }
}
