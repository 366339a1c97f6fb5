package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;

/**
 * Keys (after RoPE) and values of every layer for the positions seen so far. Keys are stored transposed,
 * [kvDim][capacity] (key column c of position j at c * capacity + j), so attention scores a vector of
 * consecutive positions with one load per column; values are [capacity][kvDim].
 */
public final class KvCache {
    private final int capacity, kvDim;
    private final float[][] keys, values;
    private int length;

    public KvCache(ModelSpec config, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("cache capacity must be >= 1");
        this.capacity = capacity;
        this.kvDim = config.kvDim();
        long perLayer = (long) capacity * kvDim;
        if (perLayer > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("cache capacity " + capacity + " too large");
        keys = new float[config.layers()][(int) perLayer];
        values = new float[config.layers()][(int) perLayer];
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public void clear() {
        length = 0;
    }

    /**
     * Forgets every position from {@code length} on, keeping the ones before: several continuations
     * of one shared prefix can then run from the same cache (multiple-choice scoring).
     */
    public void truncate(int length) {
        if (length < 0 || length > this.length) throw new IllegalArgumentException("cannot truncate a cache of " + this.length + " positions to " + length);
        this.length = length;
    }

    /** Layer's keys, transposed: column c of position j at c * {@link #capacity()} + j. */
    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Writes tokens x kvDim keys and values of one layer at the current length (not yet committed). */
    void put(int layer, float[] k, float[] v, int tokens) {
        if (length + tokens > capacity) throw new IllegalStateException("KV cache full: " + length + " + " + tokens + " > " + capacity);
        float[] kt = keys[layer];
        for (int t = 0; t < tokens; t++) {
            int pos = length + t, ko = t * kvDim;
            for (int c = 0; c < kvDim; c++) kt[c * capacity + pos] = k[ko + c];
        }
        System.arraycopy(v, 0, values[layer], length * kvDim, tokens * kvDim);
    }

    void advance(int tokens) {
        length += tokens;
    }
}
