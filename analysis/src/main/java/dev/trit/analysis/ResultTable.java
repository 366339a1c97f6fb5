package dev.trit.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A list of {@link ResultRow}s: what trit commands write (as Arrow IPC and JSON, see
 * {@link ResultFiles}) and what {@code trit report} and {@code trit gate} read.
 */
public record ResultTable(List<ResultRow> rows) {
    /** Schema name and version written into both file formats. */
    public static final String SCHEMA = "trit.results/1";

    public ResultTable {
        rows = List.copyOf(rows);
    }

    public static ResultTable concat(List<ResultTable> tables) {
        List<ResultRow> all = new ArrayList<>();
        for (ResultTable t : tables) all.addAll(t.rows);
        return new ResultTable(all);
    }

    public List<ResultRow> where(Predicate<ResultRow> p) {
        return rows.stream().filter(p).toList();
    }

    public List<ResultRow> metric(String metric) {
        return where(r -> r.metric().equals(metric));
    }
}
