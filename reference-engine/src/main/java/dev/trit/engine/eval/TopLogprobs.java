package dev.trit.engine.eval;

import dev.trit.engine.LogSoftmax;
import java.util.Arrays;

/**
 * What a logits dump keeps of one position's next-token distribution: the k most likely tokens
 * with their log-probabilities (descending; ties by lower id first), the log of the probability
 * of all other tokens together, and the log-probability of the token that actually came next.
 * Log-probabilities are computed in double and stored as float; {@link KlDivergence} rounds the
 * model's side the same way, so a model compared with itself gives exactly zero.
 */
public record TopLogprobs(int token, float tokenLogprob, int[] ids, float[] logprobs, float restLogprob) {
    public TopLogprobs {
        if (ids.length != logprobs.length) throw new IllegalArgumentException("ids and logprobs differ in length");
    }

    /** The top {@code k} of a logits row and the log-probability of {@code nextToken}. */
    public static TopLogprobs of(float[] logits, int k, int nextToken) {
        double lse = LogSoftmax.logSumExp(logits);
        int[] ids = topK(logits, Math.min(k, logits.length));
        float[] lps = new float[ids.length];
        for (int i = 0; i < ids.length; i++) lps[i] = (float) (logits[ids[i]] - lse);
        return new TopLogprobs(nextToken, (float) (logits[nextToken] - lse), ids, lps, restLogprob(logits, lse, ids));
    }

    /** Indices of the k largest logits, largest first, ties by lower index. */
    static int[] topK(float[] row, int k) {
        int[] best = new int[k];
        int n = 0;
        for (int i = 0; i < row.length; i++) {
            if (n == k && !(row[i] > row[best[k - 1]])) continue;
            int j = n < k ? n++ : k - 1;
            // Insert i keeping descending order; equal values keep the earlier (lower) index first.
            while (j > 0 && row[i] > row[best[j - 1]]) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        return n == k ? best : Arrays.copyOf(best, n);
    }

    /**
     * log of the total probability of every token not in {@code ids}, summed in ascending id order
     * (so two identical rows give bit-identical results); -infinity when ids cover the vocabulary.
     */
    static float restLogprob(float[] row, double lse, int[] ids) {
        boolean[] inTop = new boolean[row.length];
        for (int id : ids) inTop[id] = true;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < row.length; i++) if (!inTop[i] && row[i] > max) max = row[i];
        if (max == Float.NEGATIVE_INFINITY) return Float.NEGATIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < row.length; i++) if (!inTop[i]) sum += Math.exp((double) row[i] - max);
        return (float) (max + Math.log(sum) - lse);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopLogprobs t && token == t.token && Float.compare(tokenLogprob, t.tokenLogprob) == 0
                && Arrays.equals(ids, t.ids) && Arrays.equals(logprobs, t.logprobs) && Float.compare(restLogprob, t.restLogprob) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(logprobs) + token;
    }

    @Override
    public String toString() {
        return "TopLogprobs[token=" + token + ", tokenLogprob=" + tokenLogprob + ", ids=" + Arrays.toString(ids)
                + ", logprobs=" + Arrays.toString(logprobs) + ", rest=" + restLogprob + "]";
    }
}
