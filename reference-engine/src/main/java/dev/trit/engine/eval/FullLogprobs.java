package dev.trit.engine.eval;

import java.util.Arrays;

/**
 * One position's whole next-token distribution, stored as llama-perplexity stores its
 * {@code --kl-divergence-base}: every token's log-probability as an unsigned 16-bit step above a
 * per-position minimum, log p(i) = scale * q[i] + minLogprob.
 *
 * <p>The range is [max logit - 16, max logit] (logits further below the top than 16 nats share the
 * bottom step q = 0, and a reader ignores log-probabilities at or below -16 when it sums a
 * KL-divergence); scale = range / 65535, so a step is at most 16/65535 = 2.4e-4 nats and the rounding
 * error of one log-probability at most half of that. That rounding is why llama.cpp's (and trit's) KLD
 * of a model against its own base is not exactly zero and its lowest percentiles are slightly
 * negative.
 *
 * <p>The arithmetic is llama.cpp's, in float as there: max and min logit, sum of exp(logit - max) in
 * double over float exponentials, log of the sum rounded to float, minLogprob = min - max - log(sum),
 * scale = (max - min) / 65535, q = round-half-even((logit - min) / scale) for logits above min, else 0.
 *
 * @param token      the token that came next (the one scored)
 * @param scale      nats per step (0 when every logit is equal)
 * @param minLogprob log-probability of step 0
 * @param q          one unsigned 16-bit step per vocabulary entry (read with {@code & 0xffff})
 */
public record FullLogprobs(int token, float scale, float minLogprob, short[] q) {
    /** Logits further below the top than this are stored as step 0 and left out of KL sums (llama.cpp's cut-off). */
    public static final float RANGE = 16f;

    public FullLogprobs {
        if (token < 0 || token >= q.length) throw new IllegalArgumentException("token " + token + " outside a vocabulary of " + q.length);
    }

    /** The quantized distribution of a logits row (llama.cpp's {@code log_softmax} with a base to write). */
    public static FullLogprobs of(float[] logits, int nextToken) {
        int n = logits.length;
        float max = logits[0], min = logits[0];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, logits[i]);
            min = Math.min(min, logits[i]);
        }
        min = Math.max(min, max - RANGE);
        float logSumExp = (float) Math.log(sumExp(logits, max));
        float minLogprob = min - max - logSumExp;
        float scale = (max - min) / 65535f;
        short[] q = new short[n];
        if (scale != 0) {
            float inv = 1 / scale;
            for (int i = 0; i < n; i++) {
                // ggml's nearest_int rounds half to even, as Math.rint; the top is at most 65535 (+ rounding)
                if (logits[i] > min) q[i] = (short) Math.min(65535, (int) Math.rint(inv * (logits[i] - min)));
            }
        }
        return new FullLogprobs(nextToken, scale, minLogprob, q);
    }

    /** sum over the row of expf(logit - max), accumulated in double (llama.cpp's sum_exp). */
    static double sumExp(float[] logits, float max) {
        double sum = 0;
        for (float l : logits) sum += (float) Math.exp(l - max);
        return sum;
    }

    public int vocabSize() {
        return q.length;
    }

    /** The stored log-probability of token i. */
    public float logprob(int i) {
        return scale * (q[i] & 0xffff) + minLogprob;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FullLogprobs f && token == f.token && Float.compare(scale, f.scale) == 0
                && Float.compare(minLogprob, f.minLogprob) == 0 && Arrays.equals(q, f.q);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(q) + token;
    }

    @Override
    public String toString() {
        return "FullLogprobs[token=" + token + ", scale=" + scale + ", minLogprob=" + minLogprob + ", vocab=" + q.length + "]";
    }
}
