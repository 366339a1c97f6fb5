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

    /** Median of the per-token absmax. */
    public double medianTokenAbsmax() {
        float[] s = tokenAbsmax.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : ((double) s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The summary as result rows (scope: the module name; task: what was read, e.g. the text's name). */
    public java.util.List<ResultRow> toRows(String model, String variant, String task) {
        return java.util.List.of(
                ResultRow.of(model, variant, task, name, Metrics.TOKENS, tokens()),
                ResultRow.of(model, variant, task, name, Metrics.ACT_ABSMAX, absmax()),
                ResultRow.of(model, variant, task, name, Metrics.ACT_TOKEN_ABSMAX_MEDIAN, medianTokenAbsmax()),
                ResultRow.of(model, variant, task, name, Metrics.ACT_CHANNEL_ABSMAX_MEDIAN, medianChanAbsmax),
                ResultRow.of(model, variant, task, name, Metrics.ACT_OUTLIER_CHANNELS, outliers.length),
                ResultRow.of(model, variant, task, name, Metrics.ACT_INT8_TOKEN_MSE, int8TokenMse),
                ResultRow.of(model, variant, task, name, Metrics.ACT_INT4_TOKEN_MSE, int4TokenMse),
                ResultRow.of(model, variant, task, name, Metrics.ACT_INT8_TENSOR_MSE, int8TensorMse));
    }

    /** The largest |X| seen. */
    public double absmax() {
        double m = 0;
        for (float a : chanAbsmax) m = Math.max(m, a);
        return m;
    }
}
