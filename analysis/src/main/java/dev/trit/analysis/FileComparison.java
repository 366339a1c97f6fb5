package dev.trit.analysis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The equal-memory comparison read back from result rows: one line per model file (model and
 * variant) that has a quality number, with its size, bits per weight, perplexity, KL-divergence and
 * same-top rate against the baseline, and accuracy, in the order the files first appear in the
 * rows. Where a metric has several rows the first one counts. KLD against the baseline is a
 * {@link Metrics#KLD_MEAN} row whose task does not name another reference (tasks such as
 * "wikitext-2-test vs demo-bitnet/hf-packed" are KLD against the file a variant came from);
 * the same-top rate is the one of that task. A missing number is NaN.
 *
 * @param accTask the task of the accuracy column (the first task with an {@link Metrics#ACC} row), or null
 */
public record FileComparison(List<Line> lines, String accTask) {
    /** Marks a KLD task measured against a file other than the baseline. */
    public static final String VS = " vs ";

    public record Line(String label, String model, String variant, double sizeBytes, double bitsPerWeight, double bitsPerWeightLinear,
                       double perplexity, double kld, double sameTop, double acc) {
    }

    public FileComparison {
        lines = List.copyOf(lines);
    }

    public static String label(String model, String variant) {
        return variant.isEmpty() ? model : model + " / " + variant;
    }

    public static FileComparison of(ResultTable table) {
        String accTask = null;
        for (ResultRow r : table.rows()) {
            if (r.scope().isEmpty() && r.metric().equals(Metrics.ACC) && Double.isFinite(r.value())) {
                accTask = r.task();
                break;
            }
        }
        Map<String, Map<String, Double>> by = new LinkedHashMap<>();
        Map<String, String[]> names = new LinkedHashMap<>();
        Map<String, String> kldTask = new LinkedHashMap<>();
        for (ResultRow r : table.rows()) {
            if (!Double.isFinite(r.value())) continue;
            String key = r.model() + "\u0000" + r.variant();
            String col = null;
            if (r.scope().equals(ModelAnalysis.SCOPE_LINEAR) && r.metric().equals(Metrics.BITS_PER_WEIGHT)) col = "bpwLinear";
            else if (r.scope().isEmpty()) {
                switch (r.metric()) {
                    case Metrics.SIZE_BYTES -> col = "size";
                    case Metrics.BITS_PER_WEIGHT -> col = "bpw";
                    case Metrics.PERPLEXITY -> col = "ppl";
                    case Metrics.KLD_MEAN -> {
                        if (!r.task().contains(VS) && !kldTask.containsKey(key)) {
                            kldTask.put(key, r.task());
                            col = "kld";
                        }
                    }
                    default -> {
                        if (r.metric().equals(Metrics.ACC) && r.task().equals(accTask)) col = "acc";
                    }
                }
            }
            if (col == null) continue;
            names.putIfAbsent(key, new String[]{r.model(), r.variant()});
            by.computeIfAbsent(key, k -> new LinkedHashMap<>()).putIfAbsent(col, r.value());
        }
        // same-top of the task whose KLD is shown
        for (ResultRow r : table.rows()) {
            String key = r.model() + "\u0000" + r.variant();
            if (r.scope().isEmpty() && r.metric().equals(Metrics.TOP1_AGREEMENT) && r.task().equals(kldTask.get(key))) {
                by.get(key).putIfAbsent("top1", r.value());
            }
        }
        List<Line> lines = new ArrayList<>();
        by.forEach((key, v) -> {
            if (!v.containsKey("ppl") && !v.containsKey("kld")) return;
            String[] n = names.get(key);
            lines.add(new Line(label(n[0], n[1]), n[0], n[1], v.getOrDefault("size", Double.NaN), v.getOrDefault("bpw", Double.NaN),
                    v.getOrDefault("bpwLinear", Double.NaN), v.getOrDefault("ppl", Double.NaN), v.getOrDefault("kld", Double.NaN),
                    v.getOrDefault("top1", Double.NaN), v.getOrDefault("acc", Double.NaN)));
        });
        return new FileComparison(lines, accTask);
    }
}
