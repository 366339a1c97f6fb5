package dev.trit.engine;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Picks the next token from one row of logits. */
public sealed interface Sampler permits Sampler.Greedy, Sampler.TopP {
    int sample(float[] logits, int offset, int vocab);

    /** The most likely token (lowest id on ties). */
    record Greedy() implements Sampler {
        @Override
        public int sample(float[] logits, int offset, int vocab) {
            int best = 0;
            for (int v = 1; v < vocab; v++) if (logits[offset + v] > logits[offset + best]) best = v;
            return best;
        }
    }

    /**
     * Nucleus sampling: softmax(logits / temperature), keep the most likely tokens until their mass
     * reaches topP, draw from those renormalized.
     */
    record TopP(double temperature, double topP, RandomGenerator random) implements Sampler {
        public TopP {
            if (!(temperature > 0) || !(topP > 0) || topP > 1) throw new IllegalArgumentException("need temperature > 0 and 0 < top-p <= 1");
        }

        @Override
        public int sample(float[] logits, int offset, int vocab) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]);
            double[] p = new double[vocab];
            double sum = 0;
            for (int v = 0; v < vocab; v++) sum += p[v] = Math.exp((logits[offset + v] - max) / temperature);
            Integer[] order = new Integer[vocab];
            for (int v = 0; v < vocab; v++) order[v] = v;
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            double kept = 0;
            int n = 0;
            while (n < vocab && kept < topP * sum) kept += p[order[n++]];
            double r = random.nextDouble() * kept;
            for (int i = 0; i < n; i++) {
                r -= p[order[i]];
                if (r < 0) return order[i];
            }
            return order[n - 1];
        }
    }
}
