package dev.trit.reports;

import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;

import java.util.ArrayList;
import java.util.List;

/**
 * SYNTHETIC result rows for testing the report and the gate: made-up numbers of the right shape,
 * not measurements of any model (the engine's real results do not exist yet).
 */
final class SyntheticResults {
    private SyntheticResults() {
    }

    static ResultTable table() {
        List<ResultRow> r = new ArrayList<>();
        String task = "wikitext-2-test";
        Object[][] v = {
                // model, variant, size MiB, bpw, ppl, kld, top1, prefill, decode
                {"synthetic-bitnet", "f16", 8.5, 16.0, 38.80, 0.0, 1.0, 900.0, 60.0},
                {"synthetic-bitnet", "tq2_0", 2.9, 2.06, 38.81, 0.004, 0.97, 1400.0, 150.0},
                {"synthetic-bitnet", "tq1_0", 2.5, 1.69, 38.81, 0.004, 0.97, 1100.0, 120.0},
                {"synthetic-llama", "f16", 8.5, 16.0, 36.0, 0.0, 1.0, 950.0, 65.0},
                {"synthetic-llama", "q8_0", 4.6, 8.5, 36.1, 0.01, 0.95, 1200.0, 100.0},
        };
        for (Object[] x : v) {
            String m = (String) x[0], f = (String) x[1];
            r.add(ResultRow.of(m, f, "", "", Metrics.SIZE_BYTES, (double) x[2] * (1 << 20)));
            r.add(ResultRow.of(m, f, "", "", Metrics.BITS_PER_WEIGHT, (double) x[3]));
            r.add(ResultRow.of(m, f, task, "", Metrics.PERPLEXITY, (double) x[4]));
            r.add(ResultRow.of(m, f, task, "", Metrics.KLD_MEAN, (double) x[5]));
            r.add(ResultRow.of(m, f, task, "", Metrics.KLD_P99, 4 * (double) x[5]));
            r.add(ResultRow.of(m, f, task, "", Metrics.TOP1_AGREEMENT, (double) x[6]));
            r.add(ResultRow.of(m, f, "bench", "", Metrics.PREFILL_TOK_S, (double) x[7]));
            r.add(ResultRow.of(m, f, "bench", "", Metrics.DECODE_TOK_S, (double) x[8]));
            r.add(ResultRow.of(m, f, "hellaswag", "", Metrics.ACC, 0.30 + ((double) x[6]) / 100));
        }
        return new ResultTable(r);
    }
}
