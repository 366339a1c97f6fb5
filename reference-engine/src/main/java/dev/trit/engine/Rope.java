package dev.trit.engine;

import dev.trit.formats.family.RopeSpec;

/**
 * Rotary position embedding in the rotate_half convention of transformers' LLaMA: dimension i pairs with
 * i + d/2. Angles are computed in float as LlamaRotaryEmbedding does: inv_freq[i] = 1 / theta^(2i/d),
 * angle = position * inv_freq[i].
 */
public final class Rope {
    private final int half;
    private final float[] invFreq;

    public Rope(int headDim, double theta) {
        this(headDim, RopeSpec.plain(theta));
    }

    /** The rotation of a layer's spec (its base, and the llama3/linear rescaling of the frequencies). */
    public Rope(int headDim, RopeSpec spec) {
        this.half = headDim / 2;
        this.invFreq = spec.inverseFrequencies(headDim);
    }

    /** cos and sin of every (position, i) computed so far, position-major; grown on demand. */
    private float[] cosTable = new float[0], sinTable = new float[0];
    private int tablePositions;

    /** Rotates the heads of one token's vector in place: x holds `heads` consecutive head vectors at offset. */
    public void apply(float[] x, int offset, int heads, int position) {
        if (position < 0) throw new IllegalArgumentException("negative position " + position);
        if (position >= tablePositions) grow(position + 1);
        int d = 2 * half, to = position * half;
        for (int i = 0; i < half; i++) {
            float cos = cosTable[to + i], sin = sinTable[to + i];
            for (int h = 0; h < heads; h++) {
                int o = offset + h * d;
                float a = x[o + i], b = x[o + i + half];
                x[o + i] = a * cos - b * sin;
                x[o + i + half] = b * cos + a * sin;
            }
        }
    }

    /** The same values apply computed before tables existed: cos/sin of the float angle, rounded to float. */
    private void grow(int positions) {
        int n = Math.max(positions, Math.min(2 * tablePositions, Integer.MAX_VALUE / Math.max(1, half) - 1));
        n = Math.max(n, 64);
        float[] c = java.util.Arrays.copyOf(cosTable, n * half), s = java.util.Arrays.copyOf(sinTable, n * half);
        for (int p = tablePositions; p < n; p++) {
            for (int i = 0; i < half; i++) {
                float angle = p * invFreq[i];
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        }
        cosTable = c;
        sinTable = s;
        tablePositions = n;
    }
}
