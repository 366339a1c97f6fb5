package dev.trit.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of {@code trit analyze} on one model, and its rows in the shared result format. Rows
 * have task "weights" and these scopes: "" (whole model), "linear" (all linear matrices of the
 * blocks together), "layer.N", or a tensor name. Variant is the model's own format (e.g.
 * "hf-packed", "gguf-tq2_0") for measured numbers, a {@link StorageLayout} label for what another
 * layout would take, or an {@link EntropyCoders} label for measured compressed sizes.
 */
public record ModelAnalysis(String model, String variant, ModelShape shape, List<TensorAnalysis> tensors,
                            long totalBytes, long parameters) {
    public static final String TASK = "weights";
    public static final String SCOPE_LINEAR = "linear";

    public ModelAnalysis {
        tensors = List.copyOf(tensors);
    }

    public TritStats totalStats() {
        TritStats s = new TritStats(0, 0, 0);
        for (TensorAnalysis t : tensors) s = s.plus(t.stats());
        return s;
    }

    public List<ResultRow> toRows() {
        List<ResultRow> rows = new ArrayList<>();
        add(rows, variant, "", Metrics.SIZE_BYTES, totalBytes);
        add(rows, variant, "", Metrics.PARAMETERS, parameters);
        add(rows, variant, "", Metrics.BITS_PER_WEIGHT, 8.0 * totalBytes / parameters);
        statsRows(rows, "", totalStats());

        long linearWeights = 0, linearStored = 0;
        Map<StorageLayout, Long> layoutSum = new TreeMap<>();
        Map<EntropyCoders, Long> codedSum = new TreeMap<>();
        Map<Integer, List<TensorAnalysis>> byLayer = new TreeMap<>();
        for (TensorAnalysis t : tensors) {
            linearWeights += t.weights();
            linearStored += t.storedBytes();
            t.layoutBytes().forEach((l, b) -> layoutSum.merge(l, b, Long::sum));
            t.codedBytes().forEach((c, b) -> codedSum.merge(c, b, Long::sum));
            byLayer.computeIfAbsent(t.layer(), k -> new ArrayList<>()).add(t);
        }
        sizeRows(rows, variant, SCOPE_LINEAR, linearStored, linearWeights);
        for (var e : layoutSum.entrySet()) {
            // A layout that cannot hold every matrix has no total.
            if (tensors.stream().allMatch(t -> t.layoutBytes().containsKey(e.getKey()))) {
                sizeRows(rows, e.getKey().label(), SCOPE_LINEAR, e.getValue(), linearWeights);
            }
        }
        for (var e : codedSum.entrySet()) codedRows(rows, e.getKey(), SCOPE_LINEAR, e.getValue(), linearWeights);

        for (var e : byLayer.entrySet()) {
            String scope = "layer." + e.getKey();
            TritStats s = new TritStats(0, 0, 0);
            long w = 0, stored = 0;
            for (TensorAnalysis t : e.getValue()) {
                s = s.plus(t.stats());
                w += t.weights();
                stored += t.storedBytes();
            }
            statsRows(rows, scope, s);
            sizeRows(rows, variant, scope, stored, w);
            for (EntropyCoders c : EntropyCoders.values()) {
                long b = 0;
                if (!e.getValue().getFirst().codedBytes().containsKey(c)) continue;
                for (TensorAnalysis t : e.getValue()) b += t.codedBytes().get(c);
                codedRows(rows, c, scope, b, w);
            }
        }

        for (TensorAnalysis t : tensors) {
            String scope = t.name();
            statsRows(rows, scope, t.stats());
            add(rows, variant, scope, Metrics.SCALE, t.scale());
            if (t.ternaryScales() != null) {
                // a ternary-valued float matrix: its scale regions, one row each, scoped "<tensor>:rows[0,128)"
                var s = t.ternaryScales();
                add(rows, variant, scope, Metrics.SCALE_REGIONS, s.regions());
                for (int k = 0; k < s.regions(); k++) {
                    String region = s.axis() == dev.trit.formats.TernaryScales.Axis.TENSOR ? "tensor"
                            : s.axis().name().toLowerCase(java.util.Locale.ROOT) + "[" + s.start(k) + "," + s.end(k) + ")";
                    add(rows, variant, scope + ":" + region, Metrics.REGION_SCALE, s.scales()[k]);
                }
            }
            if (!Double.isNaN(t.meanAbsLatent())) {
                add(rows, variant, scope, Metrics.MEAN_ABS_LATENT, t.meanAbsLatent());
                add(rows, variant, scope, Metrics.TERNARY_MSE, t.mse());
                add(rows, variant, scope, Metrics.TERNARY_COSINE, t.cosine());
            }
            sizeRows(rows, variant, scope, t.storedBytes(), t.weights());
            t.layoutBytes().forEach((l, b) -> sizeRows(rows, l.label(), scope, b, t.weights()));
            t.codedBytes().forEach((c, b) -> codedRows(rows, c, scope, b, t.weights()));
        }
        return rows;
    }

    private void statsRows(List<ResultRow> rows, String scope, TritStats s) {
        add(rows, variant, scope, Metrics.SHARE_NEG, s.shareNeg());
        add(rows, variant, scope, Metrics.SHARE_ZERO, s.shareZero());
        add(rows, variant, scope, Metrics.SHARE_POS, s.sharePos());
        add(rows, variant, scope, Metrics.ENTROPY_BITS, s.entropyBits());
    }

    private void sizeRows(List<ResultRow> rows, String v, String scope, long bytes, long weights) {
        add(rows, v, scope, Metrics.SIZE_BYTES, bytes);
        add(rows, v, scope, Metrics.BITS_PER_WEIGHT, 8.0 * bytes / weights);
    }

    private void codedRows(List<ResultRow> rows, EntropyCoders c, String scope, long bytes, long weights) {
        add(rows, c.label(), scope, Metrics.CODED_BYTES, bytes);
        add(rows, c.label(), scope, Metrics.CODED_BITS_PER_WEIGHT, 8.0 * bytes / weights);
    }

    private void add(List<ResultRow> rows, String v, String scope, String metric, double value) {
        rows.add(ResultRow.of(model, v, TASK, scope, metric, value));
    }
}
