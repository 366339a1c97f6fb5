package dev.trit.formats.family;

/**
 * Rotary position embedding of one attention layer, as transformers' {@code ROPE_INIT_FUNCTIONS}
 * derive its inverse frequencies.
 *
 * @param theta          the base ({@code rope_theta}, or {@code rope_local_base_freq} for Gemma 3's sliding layers)
 * @param type           the scaling applied to the default frequencies
 * @param factor         {@code rope_scaling.factor} (1 for DEFAULT)
 * @param lowFreqFactor  llama3 only
 * @param highFreqFactor llama3 only
 * @param originalMaxPositions llama3 only: {@code original_max_position_embeddings}
 */
public record RopeSpec(double theta, Type type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    /** The rope types trit computes; others ({@code yarn}, {@code dynamic}, {@code longrope}) are refused by name. */
    public enum Type { DEFAULT, LINEAR, LLAMA3 }

    public RopeSpec {
        if (!(theta > 0) || Double.isInfinite(theta)) throw new IllegalArgumentException("rope theta " + theta + " is not positive");
        if (!(factor > 0)) throw new IllegalArgumentException("rope_scaling.factor " + factor + " is not positive");
    }

    public static RopeSpec plain(double theta) {
        return new RopeSpec(theta, Type.DEFAULT, 1, 0, 0, 0);
    }

    /**
     * inv_freq[i] for i in [0, headDim/2), in float32 as transformers computes it: the default
     * 1 / theta^(2i/d), then the type's rescaling.
     */
    public float[] inverseFrequencies(int headDim) {
        int half = headDim / 2;
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            f[i] = 1f / (float) Math.pow(theta, exponent);
        }
        switch (type) {
            case DEFAULT -> { }
            case LINEAR -> {
                for (int i = 0; i < half; i++) f[i] = f[i] / (float) factor;
            }
            case LLAMA3 -> {
                // _compute_llama3_parameters: long wavelengths divided by factor, short ones kept, a smooth mix between
                double lowWavelen = originalMaxPositions / lowFreqFactor, highWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < half; i++) {
                    float wavelen = (float) (2 * Math.PI) / f[i];
                    float scaled = wavelen > lowWavelen ? f[i] / (float) factor : f[i];
                    boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
                    if (medium) {
                        float smooth = (float) ((originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
                        scaled = (1 - smooth) * scaled / (float) factor + smooth * scaled;
                    }
                    f[i] = scaled;
                }
            }
        }
        return f;
    }
}
