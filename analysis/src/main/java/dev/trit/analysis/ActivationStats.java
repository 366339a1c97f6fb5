package dev.trit.analysis;

import dev.trit.engine.LinearInputObserver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects, for every linear, statistics of its float32 input X as the engine sees it (one
 * {@link #observe} call per linear per window): per-token and per-channel absmax, channel mean and
 * mean square, and the error of three activation quantizers. All in float64 from the float32 values,
 * rounding half to even (as the fixtures' transformers oracle, oracle/activations/*.npz, defines them):
 * <ul>
 *   <li>int8 per token (BitNet b1.58): q = clamp(round(x·127/a_t), −128, 127), x̂ = q·a_t/127;</li>
 *   <li>4-bit per token (BitNet a4.8): the same with 7 and clamp [−8, 7];</li>
 *   <li>int8 per tensor per window: a_t replaced by the window's max |X|; the value is the mean of the
 *       windows' mean squared errors.</li>
 * </ul>
 * A row with a_t = 0 is all zeros and quantizes to x̂ = 0 without error.
 */
public final class ActivationStats implements LinearInputObserver {
    /**
     * A channel is an outlier when its absmax exceeds this many times the median channel absmax. Why 8:
     * in a token where such a channel sets the per-token scale, a median channel keeps fewer than 127/8 ≈ 16
     * of int8's levels (3 of its bits lost) and at most one of the 4-bit quantizer's 7, i.e. it is about
     * where per-token 4-bit quantization stops representing the typical channel at all.
     */
    public static final double OUTLIER_FACTOR = 8;

    /** By module name, in the order of the first forward pass. */
    private final Map<String, Accumulator> linears = new LinkedHashMap<>();

    @Override
    public void observe(int layer, Projection linear, float[] x, int tokens, int cols) {
        String name = linear.moduleName(layer);
        Accumulator a = linears.computeIfAbsent(name, k -> new Accumulator(name, layer, linear, cols));
        if (a.cols != cols) throw new IllegalStateException(name + ": input of " + cols + " columns after " + a.cols);
        a.add(x, tokens);
    }

    /**
     * The statistics, in forward order, after checking that every linear of the model (q/k/v/o/gate/up/down
     * of each of {@code layers} layers and lm_head) was seen in each of the {@code windows} forward calls;
     * anything less is an IllegalStateException naming what is missing.
     */
    public List<LinearActivations> results(int layers, int windows) {
        List<String> wrong = new ArrayList<>();
        for (int l = -1; l < layers; l++) {
            for (Projection p : Projection.values()) {
                if ((l < 0) != (p == Projection.LM_HEAD)) continue;
                Accumulator a = linears.get(p.moduleName(l));
                if (a == null || a.windows != windows) wrong.add(p.moduleName(l) + " (" + (a == null ? 0 : a.windows) + " of " + windows + " windows)");
            }
        }
        if (!wrong.isEmpty()) throw new IllegalStateException("linear inputs not observed: " + String.join(", ", wrong));
        if (linears.size() != 7 * layers + 1) throw new IllegalStateException("observed " + linears.size() + " linears, expected " + (7 * layers + 1));
        return linears.values().stream().map(Accumulator::finish).toList();
    }

    private static final class Accumulator {
        final String name;
        final int layer, cols;
        final Projection projection;
        float[] tokenAbsmax = new float[1024];
        int tokens, windows;
        final float[] chanAbsmax;
        final double[] chanSum, chanSumSq;
        double int8Sq, int4Sq, tensorMseSum;

        Accumulator(String name, int layer, Projection projection, int cols) {
            this.name = name;
            this.layer = layer;
            this.projection = projection;
            this.cols = cols;
            chanAbsmax = new float[cols];
            chanSum = new double[cols];
            chanSumSq = new double[cols];
        }

        void add(float[] x, int n) {
            if (tokens + n > tokenAbsmax.length) tokenAbsmax = Arrays.copyOf(tokenAbsmax, Math.max(2 * tokenAbsmax.length, tokens + n));
            float windowMax = 0;
            for (int t = 0; t < n; t++) {
                int row = t * cols;
                float a = 0;
                for (int c = 0; c < cols; c++) {
                    float v = x[row + c], abs = Math.abs(v);
                    a = Math.max(a, abs);
                    chanAbsmax[c] = Math.max(chanAbsmax[c], abs);
                    chanSum[c] += v;
                    chanSumSq[c] += (double) v * v;
                }
                tokenAbsmax[tokens + t] = a;
                windowMax = Math.max(windowMax, a);
                if (a > 0) {
                    int8Sq += squaredError(x, row, cols, a, 127, -128, 127);
                    int4Sq += squaredError(x, row, cols, a, 7, -8, 7);
                }
            }
            double tensorSq = 0;
            if (windowMax > 0) for (int t = 0; t < n; t++) tensorSq += squaredError(x, t * cols, cols, windowMax, 127, -128, 127);
            tensorMseSum += tensorSq / ((double) n * cols);
            tokens += n;
            windows++;
        }

        /** Σ (x − q·scale/levels)² over one row, q = clamp(round-half-even(x·levels/scale), lo, hi). */
        private static double squaredError(float[] x, int from, int cols, double scale, double levels, double lo, double hi) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                double v = x[from + c];
                double q = Math.min(hi, Math.max(lo, Math.rint(v * levels / scale)));
                double d = v - q * scale / levels;
                s += d * d;
            }
            return s;
        }

        LinearActivations finish() {
            double[] mean = new double[cols], meanSq = new double[cols];
            for (int c = 0; c < cols; c++) {
                mean[c] = chanSum[c] / tokens;
                meanSq[c] = chanSumSq[c] / tokens;
            }
            float[] sorted = chanAbsmax.clone();
            Arrays.sort(sorted);
            double median = cols % 2 == 1 ? sorted[cols / 2] : ((double) sorted[cols / 2 - 1] + sorted[cols / 2]) / 2;
            int[] outliers = java.util.stream.IntStream.range(0, cols).filter(c -> chanAbsmax[c] > OUTLIER_FACTOR * median).toArray();
            double elements = (double) tokens * cols;
            return new LinearActivations(name, layer, projection, cols, windows, Arrays.copyOf(tokenAbsmax, tokens), chanAbsmax.clone(),
                    mean, meanSq, int8Sq / elements, int4Sq / elements, tensorMseSum / windows, median, outliers);
        }
    }
}
