package dev.trit.engine.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The full-vocabulary base (llama.cpp's 16-bit log-probabilities) and the KL computed from it. */
class FullKlDivergenceTest {

    static float[] randomLogits(Random r, int n, double spread) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (spread * r.nextGaussian());
        return l;
    }

    /** KL(P||Q) over every token in double, no rounding: the quantity the 16-bit base approximates. */
    static double exactKl(float[] p, float[] q) {
        double lp = dev.trit.engine.LogSoftmax.logSumExp(p), lq = dev.trit.engine.LogSoftmax.logSumExp(q), kl = 0;
        for (int i = 0; i < p.length; i++) kl += Math.exp(p[i] - lp) * ((p[i] - lp) - (q[i] - lq));
        return kl;
    }

    @Test
    void stepsCoverTheTopSixteenNatsAndRoundToHalfAStep() {
        float[] l = randomLogits(new Random(1), 4096, 4);
        FullLogprobs f = FullLogprobs.of(l, 7);
        double lse = dev.trit.engine.LogSoftmax.logSumExp(l);
        float max = Float.NEGATIVE_INFINITY;
        for (float v : l) max = Math.max(max, v);
        assertEquals(16f / 65535, f.scale(), 1e-9);
        for (int i = 0; i < l.length; i++) {
            double exact = l[i] - lse;
            if (l[i] > max - 16) assertEquals(exact, f.logprob(i), 0.5 * f.scale() + 1e-5, "token " + i);
            else assertEquals(0, f.q()[i]);
        }
        assertEquals(65535, f.q()[dev.trit.engine.LogSoftmax.argmax(l)] & 0xffff);
    }

    @Test
    void narrowRowsUseTheirOwnRangeAndFlatRowsAreAllZero() {
        FullLogprobs f = FullLogprobs.of(new float[]{0f, 1f, 2f}, 0);
        assertEquals(2f / 65535, f.scale(), 1e-9);
        assertEquals(0, f.q()[0]);
        assertEquals(65535, f.q()[2] & 0xffff);
        assertEquals(Math.log(Math.exp(0) / (1 + Math.E + Math.E * Math.E)), f.logprob(0), 1e-6);
        FullLogprobs flat = FullLogprobs.of(new float[]{3f, 3f, 3f, 3f}, 1);
        assertEquals(0f, flat.scale());
        assertEquals(Math.log(0.25), flat.logprob(1), 1e-6);
        KlDivergence d = KlDivergence.of(flat, new float[]{3f, 3f, 3f, 3f});
        assertEquals(0, d.kld(), 1e-7);
        assertTrue(d.sameTop()); // every token ties: both take the first
    }

    @Test
    void fullKlIsTheExactKlUpToTheBasesRounding() {
        Random r = new Random(2);
        for (int t = 0; t < 20; t++) {
            float[] p = randomLogits(r, 4096, 3), q = p.clone();
            for (int i = 0; i < q.length; i++) q[i] += (float) (0.05 * r.nextGaussian());
            int next = r.nextInt(p.length);
            // the base keeps a log-probability to within half a step only in its top 16 nats
            while (p[next] < p[dev.trit.engine.LogSoftmax.argmax(p)] - 12) next = r.nextInt(p.length);
            KlDivergence d = KlDivergence.of(FullLogprobs.of(p, next), q);
            double exact = exactKl(p, q);
            assertEquals(exact, d.kld(), 0.02 * exact + 2e-5, "trial " + t);
            double lq = q[next] - dev.trit.engine.LogSoftmax.logSumExp(q), lp = p[next] - dev.trit.engine.LogSoftmax.logSumExp(p);
            assertEquals(-lq, d.nll(), 1e-5);
            assertEquals(-lp, d.nllBase(), 2e-4);
            assertEquals(Math.exp(lq) - Math.exp(lp), d.pDiff(), 1e-5);
            assertEquals(dev.trit.engine.LogSoftmax.argmax(p) == dev.trit.engine.LogSoftmax.argmax(q), d.sameTop());
        }
    }

    @Test
    void aModelAgainstItsOwnBaseIsZeroUpToTheRoundingWhichCanBeNegative() {
        Random r = new Random(3);
        boolean negative = false;
        for (int t = 0; t < 50; t++) {
            float[] p = randomLogits(r, 2048, 2);
            KlDivergence d = KlDivergence.of(FullLogprobs.of(p, 0), p);
            // each stored log-probability is off by at most 16/65535/2 = 1.2e-4 nats
            assertEquals(0, d.kld(), 1.2e-4);
            assertTrue(d.sameTop());
            negative |= d.kld() < 0;
        }
        assertTrue(negative, "llama.cpp's uint16 rounding makes some self-KLDs negative");
    }

    @Test
    void tokensBelowSixteenNatsAreLeftOutOfTheSum() {
        // base: token 1 is 20 nats below token 0; the model moves all of token 1's tiny mass: no KL counted for it
        float[] p = {0f, -20f, -1f}, q = {0f, -5f, -1f};
        KlDivergence d = KlDivergence.of(FullLogprobs.of(p, 0), q);
        double lseP = Math.log(1 + Math.exp(-20) + Math.exp(-1)), lseQ = Math.log(1 + Math.exp(-5) + Math.exp(-1));
        double want = Math.exp(-lseP) * (-lseP + lseQ) + Math.exp(-1 - lseP) * (-lseP + lseQ);
        assertEquals(want, d.kld(), 1e-5);
    }
}
