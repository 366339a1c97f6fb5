package dev.trit.analysis;

import java.util.Objects;

/**
 * One measured number. The shared row of every trit result table (Arrow IPC and JSON alike).
 *
 * @param model   the model, e.g. "demo-bitnet" or a file name without extension
 * @param variant the format or variant measured, e.g. "tq2_0", "hf-packed", "f16"; for derived
 *                numbers the thing varied (compression coder, energy variant "ternary"/"fp16")
 * @param task    what it was measured on: a data set ("wikitext-2-test"), "weights", "energy-7nm", ...
 * @param scope   "" for the whole model, else a part of it: a tensor name or "layer.N"
 * @param metric  a name from {@link Metrics}
 * @param value   the number (NaN only where a measurement does not exist)
 * @param unit    the metric's unit as {@link Metrics} documents it
 */
public record ResultRow(String model, String variant, String task, String scope, String metric, double value, String unit) {
    public ResultRow {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(unit, "unit");
    }

    /** A row with the unit {@link Metrics} documents for its metric. */
    public static ResultRow of(String model, String variant, String task, String scope, String metric, double value) {
        return new ResultRow(model, variant, task, scope, metric, value, Metrics.unit(metric));
    }

    /** What identifies the measurement (everything but value and unit). */
    public Key key() {
        return new Key(model, variant, task, scope, metric);
    }

    public record Key(String model, String variant, String task, String scope, String metric) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(model);
            if (!variant.isEmpty()) b.append('/').append(variant);
            if (!task.isEmpty()) b.append(" [").append(task).append(']');
            if (!scope.isEmpty()) b.append(' ').append(scope);
            return b.append(' ').append(metric).toString();
        }
    }
}
