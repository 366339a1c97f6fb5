package dev.trit.engine;

/**
 * Rotary position embedding in the rotate_half convention of transformers' LLaMA: dimension i pairs with
 * i + d/2. Angles are computed in float as LlamaRotaryEmbedding does: inv_freq[i] = 1 / theta^(2i/d),
 * angle = position * inv_freq[i].
 */
public final class Rope {
    private final int half;
    private final float[] invFreq;

    public Rope(int headDim, double theta) {
        this.half = headDim / 2;
        this.invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = 1f / (float) Math.pow(theta, exponent);
        }
    }

    /** Rotates the heads of one token's vector in place: x holds `heads` consecutive head vectors at offset. */
    public void apply(float[] x, int offset, int heads, int position) {
        int d = 2 * half;
        for (int i = 0; i < half; i++) {
            float angle = position * invFreq[i];
            float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int o = offset + h * d;
                float a = x[o + i], b = x[o + i + half];
                x[o + i] = a * cos - b * sin;
                x[o + i + half] = b * cos + a * sin;
            }
        }
    }
}
