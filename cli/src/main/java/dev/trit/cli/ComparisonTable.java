package dev.trit.cli;

import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side table of {@code trit demo} and {@code trit compare}, read back from result rows:
 * one line per model and variant (in the order they were measured) with size, bits per weight,
 * (whole file, and of the linear layers alone as papers quote it), perplexity, KL-divergence and top-1 agreement against the baseline, KL-divergence against the
 * model a variant was converted from, accuracy, speed and estimated energy. Columns without any
 * number are left out; a missing number prints as "-".
 *
 * @param textTask the perplexity task; KLD against the baseline has this task, KLD against a
 *                 variant's source has the task {@code textTask + " vs " + source}
 * @param mcTask   the multiple-choice task id, or null
 */
record ComparisonTable(ResultTable results, String textTask, String mcTask) {
    static final String VS = " vs ";

    private record Column(String header, String format, double scale, String task, String scope, String metric) {
        Column(String header, String format, double scale, String task, String metric) {
            this(header, format, scale, task, "", metric);
        }
    }

    private List<Column> columns() {
        List<Column> c = new ArrayList<>();
        c.add(new Column("size MB", "%.2f", 1e-6, "weights", Metrics.SIZE_BYTES));
        c.add(new Column("bits/w", "%.3f", 1, "weights", Metrics.BITS_PER_WEIGHT));
        c.add(new Column("bits/w lin", "%.3f", 1, "weights", "linear", Metrics.BITS_PER_WEIGHT));
        c.add(new Column("ppl", "%.3f", 1, textTask, Metrics.PERPLEXITY));
        c.add(new Column("KLD base", "%.5f", 1, textTask, Metrics.KLD_MEAN));
        c.add(new Column("top1 base", "%.1f%%", 100, textTask, Metrics.TOP1_AGREEMENT));
        c.add(new Column("KLD source", "%.5f", 1, textTask + VS, Metrics.KLD_MEAN));
        if (mcTask != null) c.add(new Column(mcTask + " acc", "%.3f", 1, mcTask, Metrics.ACC));
        c.add(new Column("prefill t/s", "%.0f", 1, ModelEval.SPEED_TASK, Metrics.PREFILL_TOK_S));
        c.add(new Column("decode t/s", "%.0f", 1, ModelEval.SPEED_TASK, Metrics.DECODE_TOK_S));
        c.add(new Column("pJ/token", "%.3g", 1, ModelEval.ENERGY_TASK, Metrics.ENERGY_PJ_PER_TOKEN));
        return c;
    }

    private static String label(ResultRow r) {
        return r.variant().isEmpty() ? r.model() : r.model() + " / " + r.variant();
    }

    private static boolean matches(Column c, ResultRow r) {
        if (!r.scope().equals(c.scope) || !r.metric().equals(c.metric)) return false;
        return c.task.endsWith(VS) ? r.task().startsWith(c.task) : r.task().equals(c.task);
    }

    /** Lines of the table: model / variant -> column header -> value. */
    Map<String, Map<String, Double>> values() {
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        List<Column> cols = columns();
        for (ResultRow r : results.rows()) {
            Map<String, Double> line = null;
            for (Column c : cols) {
                if (matches(c, r)) {
                    if (line == null) line = m.computeIfAbsent(label(r), k -> new LinkedHashMap<>());
                    line.put(c.header, r.value() * c.scale);
                }
            }
        }
        return m;
    }

    private static int width(Column c) {
        return Math.max(9, c.header.length());
    }

    void print(PrintWriter out) {
        Map<String, Map<String, Double>> v = values();
        List<Column> cols = columns().stream().filter(c -> v.values().stream().anyMatch(l -> l.containsKey(c.header))).toList();
        int w0 = Math.max(14, v.keySet().stream().mapToInt(String::length).max().orElse(0));
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + w0 + "s", "model / variant"));
        for (Column c : cols) head.append(String.format(Locale.ROOT, " %" + width(c) + "s", c.header));
        out.println(head);
        v.forEach((k, line) -> {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-" + w0 + "s", k));
            for (Column c : cols) {
                Double x = line.get(c.header);
                b.append(String.format(Locale.ROOT, " %" + width(c) + "s", x == null || x.isNaN() ? "-" : String.format(Locale.ROOT, c.format, x)));
            }
            out.println(b);
        });
    }
}
