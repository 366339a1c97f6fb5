package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {
    @Test
    void greedyTakesTheMaximum() {
        assertEquals(2, new Sampler.Greedy().sample(new float[]{9f, 1f, 3f, 5f, 2f}, 1, 4));
    }

    @Test
    void topPDrawsOnlyFromTheNucleus() {
        // probabilities ~ 0.665, 0.245, 0.090, ~0 : top-p 0.8 keeps tokens 0 and 1 only
        float[] logits = {2f, 1f, 0f, -30f};
        Sampler s = new Sampler.TopP(1.0, 0.8, new Random(7));
        int[] seen = new int[4];
        for (int i = 0; i < 2000; i++) seen[s.sample(logits, 0, 4)]++;
        assertEquals(0, seen[2] + seen[3]);
        // token 0 should come about 0.665/0.91 = 73% of the time
        assertTrue(seen[0] > 1300 && seen[0] < 1620, "token 0 drawn " + seen[0] + " times");
    }

    @Test
    void tinyTopPIsGreedy() {
        Sampler s = new Sampler.TopP(0.7, 1e-6, new Random(1));
        for (int i = 0; i < 50; i++) assertEquals(1, s.sample(new float[]{0f, 3f, 2.9f}, 0, 3));
    }
}
