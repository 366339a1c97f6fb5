package dev.trit.analysis;

import dev.trit.engine.LinearInputObserver.Projection;

/**
 * The input statistics of one linear over all windows of a run (see {@link ActivationStats} for the
 * definitions). Arrays are indexed by token (window-major, BOS rows included) or by input channel.
 *
 * @param name          the transformers module name, e.g. "model.layers.0.self_attn.q_proj" or "lm_head"
 * @param layer         decoder layer, -1 for lm_head
 * @param tokenAbsmax   a_t = max_c |X[t,c]| (a float32 value of X, exactly)
 * @param chanAbsmax    max_t |X[t,c]|
 * @param chanMean      mean_t X[t,c]
 * @param chanMeanSq    mean_t X[t,c]²
 * @param int8TokenMse  mean (X − X̂)² of per-token int8 absmax quantization (BitNet b1.58's)
 * @param int4TokenMse  the same with 4 bits: scale 7, clamp [−8, 7] (BitNet a4.8's)
 * @param int8TensorMse mean over windows of the per-window int8 absmax quantization's mean (X − X̂)²
 * @param outliers      channels whose absmax exceeds {@link ActivationStats#OUTLIER_FACTOR} × the median channel absmax
 */
public record LinearActivations(String name, int layer, Projection projection, int cols, int windows,
                                float[] tokenAbsmax, float[] chanAbsmax, double[] chanMean, double[] chanMeanSq,
                                double int8TokenMse, double int4TokenMse, double int8TensorMse,
                                double medianChanAbsmax, int[] outliers) {
    public int tokens() {
        return tokenAbsmax.length;
    }

    /** The largest |X| seen. */
    public double absmax() {
        double m = 0;
        for (float a : chanAbsmax) m = Math.max(m, a);
        return m;
    }
}
