package dev.trit.engine.eval;

/**
 * A causal language model seen from the evaluation loops: token ids in, next-token logits out. The
 * evaluation code (multiple-choice scoring, logit dumps, KL-divergence) is written against this
 * interface only, so it runs unchanged on any engine and on small fakes in tests.
 *
 * <p>Implementations must be deterministic: the same tokens give bit-identical logits, run after run.
 */
public interface LogitSource {

    int vocabSize();

    /** The longest token sequence one call accepts (the context window). */
    int maxTokens();

    /**
     * Next-token logits of one sequence run from an empty state: {@code tokens.length} rows of
     * {@link #vocabSize()}; row i is the distribution of the token after {@code tokens[0..i]}.
     */
    float[][] logits(int[] tokens);

    /**
     * Next-token logits of several sequences that share a non-empty prefix:
     * {@code result[s][j]} is the distribution predicting {@code suffixes[s][j]} given
     * {@code prefix + suffixes[s][0..j)}, so {@code result[s]} has {@code suffixes[s].length} rows.
     * The last token of a suffix is never an input, so each sequence needs
     * {@code prefix.length + suffixes[s].length - 1 <= maxTokens()}. The default runs every sequence
     * on its own; an engine with a KV cache overrides it to run the prefix once and branch (it must
     * give the same numbers as the default, up to float rounding).
     */
    default float[][][] continuationLogits(int[] prefix, int[][] suffixes) {
        if (prefix.length == 0) throw new IllegalArgumentException("shared prefix must not be empty");
        float[][][] out = new float[suffixes.length][][];
        for (int s = 0; s < suffixes.length; s++) {
            int n = suffixes[s].length;
            out[s] = new float[n][];
            if (n == 0) continue;
            int[] seq = new int[prefix.length + n - 1];
            System.arraycopy(prefix, 0, seq, 0, prefix.length);
            System.arraycopy(suffixes[s], 0, seq, prefix.length, n - 1);
            float[][] all = logits(seq);
            // Row prefix.length - 1 + j predicts suffix token j.
            System.arraycopy(all, prefix.length - 1, out[s], 0, n);
        }
        return out;
    }
}
