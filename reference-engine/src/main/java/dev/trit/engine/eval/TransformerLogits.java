package dev.trit.engine.eval;

import dev.trit.engine.KvCache;
import dev.trit.engine.Transformer;

/**
 * The reference engine as a {@link LogitSource}. Shared-prefix batches run the prefix once into a
 * KV cache and each continuation from a copy of that state (the cache is truncated back to the
 * prefix between continuations), computing logits only for the rows that are scored.
 */
public final class TransformerLogits implements LogitSource {
    private final Transformer model;

    public TransformerLogits(Transformer model) {
        this.model = model;
    }

    @Override
    public int vocabSize() {
        return model.config().vocabSize();
    }

    @Override
    public int maxTokens() {
        return model.config().maxPositions();
    }

    @Override
    public float[][] logits(int[] tokens) {
        if (tokens.length == 0) return new float[0][];
        checkLength(tokens.length);
        KvCache cache = model.newCache(tokens.length);
        return rows(model.forward(tokens, cache, 0), tokens.length);
    }

    @Override
    public float[][][] continuationLogits(int[] prefix, int[][] suffixes) {
        if (prefix.length == 0) throw new IllegalArgumentException("shared prefix must not be empty");
        int longest = 0;
        for (int[] s : suffixes) longest = Math.max(longest, s.length);
        int capacity = prefix.length + Math.max(longest - 1, 0);
        checkLength(capacity);
        KvCache cache = model.newCache(capacity);
        float[] first = model.forward(prefix, cache, prefix.length - 1);
        int vocab = vocabSize();
        float[][][] out = new float[suffixes.length][][];
        for (int s = 0; s < suffixes.length; s++) {
            int n = suffixes[s].length;
            out[s] = new float[n][];
            if (n == 0) continue;
            out[s][0] = first.clone();
            if (n > 1) {
                cache.truncate(prefix.length);
                float[][] rest = rows(model.forward(java.util.Arrays.copyOf(suffixes[s], n - 1), cache, 0), n - 1);
                System.arraycopy(rest, 0, out[s], 1, n - 1);
            }
        }
        if (first.length != vocab) throw new IllegalStateException("expected one row of logits");
        return out;
    }

    private void checkLength(int n) {
        if (n > maxTokens()) throw new IllegalArgumentException(n + " tokens exceed the model's context of " + maxTokens());
    }

    private float[][] rows(float[] flat, int n) {
        int vocab = vocabSize();
        float[][] r = new float[n][];
        for (int i = 0; i < n; i++) r[i] = java.util.Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
        return r;
    }
}
