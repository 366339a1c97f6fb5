package dev.trit.engine.eval;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class KlDivergenceTest {
    // Logits are float; log-probabilities of these hand distributions are exact to ~1e-7.
    static final double EPS = 1e-6;

    static float[] logits(double... p) {
        float[] r = new float[p.length];
        for (int i = 0; i < p.length; i++) r[i] = (float) Math.log(p[i]);
        return r;
    }

    @Test
    void topKOrderAndRestMass() {
        TopLogprobs t = TopLogprobs.of(logits(0.125, 0.5, 0.125, 0.25), 2, 2);
        assertArrayEquals(new int[]{1, 3}, t.ids());
        assertEquals(Math.log(0.5), t.logprobs()[0], EPS);
        assertEquals(Math.log(0.25), t.logprobs()[1], EPS);
        assertEquals(Math.log(0.25), t.restLogprob(), EPS); // tokens 0 and 2
        assertEquals(2, t.token());
        assertEquals(Math.log(0.125), t.tokenLogprob(), EPS);
        assertEquals(Float.NEGATIVE_INFINITY, TopLogprobs.of(logits(0.5, 0.5), 5, 0).restLogprob());
    }

    @Test
    void tiesGoToTheLowerId() {
        float[] row = {1, 3, 3, 0, 3};
        assertArrayEquals(new int[]{1, 2, 4}, TopLogprobs.topK(row, 3));
        assertArrayEquals(new int[]{1, 2}, TopLogprobs.topK(row, 2));
        assertArrayEquals(new int[]{1, 2, 4, 0, 3}, TopLogprobs.topK(row, 5));
    }

    @Test
    void handWorkedDivergence() {
        // P = (1/2, 1/4, 1/8, 1/8), Q = (1/4, 1/4, 2/5, 1/10).
        float[] p = logits(0.5, 0.25, 0.125, 0.125), q = logits(0.25, 0.25, 0.4, 0.1);
        double full = 0.5 * Math.log(2) + 0.125 * Math.log(0.125 / 0.4) + 0.125 * Math.log(0.125 / 0.1);
        // k = 4 keeps everything: the true KL.
        assertEquals(full, KlDivergence.of(TopLogprobs.of(p, 4, 1), q).kld(), EPS);
        // k = 2: buckets {0}, {1}, {2,3}: P = (1/2, 1/4, 1/4), Q = (1/4, 1/4, 1/2); a lower bound.
        KlDivergence d = KlDivergence.of(TopLogprobs.of(p, 2, 0), q);
        double bucketed = 0.5 * Math.log(2) + 0.25 * Math.log(0.5);
        assertEquals(bucketed, d.kld(), EPS);
        assertTrue(d.kld() < full);
        // Next token 0: Q 1/4 vs P 1/2.
        assertEquals(-0.25, d.pDiff(), EPS);
        assertEquals(-Math.log(0.25), d.nll(), EPS);
        assertEquals(-Math.log(0.5), d.nllBase(), EPS);
        assertFalse(d.sameTop()); // Q's top is token 2
        assertTrue(KlDivergence.of(TopLogprobs.of(p, 2, 0), logits(0.4, 0.3, 0.2, 0.1)).sameTop());
    }

    @Test
    void identicalRowsGiveExactlyZero() {
        LogitSource m = Fakes.history(300, 64);
        float[][] rows = m.logits(new int[]{5, 17, 42, 99, 7, 250, 3});
        for (int k : new int[]{1, 8, 32, 300}) {
            for (float[] row : rows) {
                KlDivergence d = KlDivergence.of(TopLogprobs.of(row, k, 11), row.clone());
                assertEquals(0.0, d.kld());
                assertEquals(0.0, d.pDiff());
                assertEquals(d.nll(), d.nllBase());
                assertTrue(d.sameTop());
            }
        }
    }

    @Test
    void statisticsAsLlamaCppComputesThem() {
        KldStats s = new KldStats();
        // 20 positions with known nll pairs and KLs: nll = 1 + i/10, nllBase = 1, kld = i/100
        for (int i = 0; i < 20; i++) s.add(new KlDivergence(i / 100.0, 1 + i / 10.0, 1, i % 2 == 0 ? 0.1 : -0.1, i < 15));
        KldStats.Summary sum = s.summary();
        assertEquals(20, sum.count());
        // mean nll = 1 + mean(i)/10 = 1.95
        assertEquals(Math.exp(1.95), sum.pplModel().value(), 1e-12);
        assertEquals(Math.E, sum.pplBase().value(), 1e-12);
        assertEquals(0.0, sum.pplBase().uncertainty()); // no spread
        assertEquals(0.95, sum.lnPplRatio().value(), 1e-12);
        assertEquals(Math.exp(1.95) - Math.E, sum.pplDiff().value(), 1e-12);
        // kld: mean 0.095; population variance of i/100 for i = 0..19 is (400 - 1)/12 / 1e4; / (n-1), sqrt
        assertEquals(0.095, sum.kld().value(), 1e-12);
        assertEquals(Math.sqrt(399.0 / 12 / 1e4 / 19), sum.kld().uncertainty(), 1e-12);
        assertEquals(0.19, sum.kldPercentiles().get("Maximum"), 1e-12);
        assertEquals(0.0, sum.kldPercentiles().get("Minimum"), 1e-12);
        assertEquals(0.095, sum.kldPercentiles().get("Median"), 1e-12); // (0.09 + 0.10) / 2
        assertEquals(0.1881, sum.kldPercentiles().get("99.0%"), 1e-12); // at 0.99 * 19 = 18.81
        assertEquals(0.0, sum.deltaP().value(), 1e-12);
        assertEquals(0.1, sum.rmsDeltaP().value(), 1e-12);
        assertEquals(0.75, sum.sameTop().value(), 0);
        assertEquals(Math.sqrt(0.75 * 0.25 / 19), sum.sameTop().uncertainty(), 1e-15);
        assertEquals(java.util.List.of("Maximum", "99.9%", "99.0%", "95.0%", "90.0%", "Median", "10.0%", "5.0%", "1.0%", "0.1%", "Minimum"),
                java.util.List.copyOf(sum.kldPercentiles().keySet()));
    }

    @Test
    void percentileInterpolates() {
        double[] v = {1, 2, 3, 4, 5};
        assertEquals(4.6, KldStats.percentile(v, 0.9), 1e-12);
        assertEquals(1, KldStats.percentile(v, 0), 0);
        assertEquals(5, KldStats.percentile(v, 1), 0);
        assertEquals(3, KldStats.median(v), 0);
        assertEquals(2.5, KldStats.median(new double[]{1, 2, 3, 4}), 0);
    }
}
