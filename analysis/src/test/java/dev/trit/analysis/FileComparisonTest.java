package dev.trit.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class FileComparisonTest {
    @Test
    void oneLinePerFileWithKldAgainstTheBaselineNotTheSource() {
        String text = "wikitext-2-test", vs = text + FileComparison.VS + "m/src";
        List<ResultRow> rows = List.of(
                ResultRow.of("m", "f16", "weights", "", Metrics.SIZE_BYTES, 16e6),
                ResultRow.of("m", "f16", text, "", Metrics.PERPLEXITY, 20),
                ResultRow.of("m", "q8_0", "weights", "", Metrics.SIZE_BYTES, 8.5e6),
                ResultRow.of("m", "q8_0", "weights", "", Metrics.BITS_PER_WEIGHT, 8.5),
                ResultRow.of("m", "q8_0", "weights", "linear", Metrics.BITS_PER_WEIGHT, 8.5),
                ResultRow.of("m", "q8_0", vs, "", Metrics.KLD_MEAN, 0.5),
                ResultRow.of("m", "q8_0", vs, "", Metrics.TOP1_AGREEMENT, 0.5),
                ResultRow.of("m", "q8_0", text, "", Metrics.PERPLEXITY, 20.1),
                ResultRow.of("m", "q8_0", text, "", Metrics.KLD_MEAN, 0.001),
                ResultRow.of("m", "q8_0", text, "", Metrics.TOP1_AGREEMENT, 0.99),
                ResultRow.of("m", "q8_0", "hellaswag", "", Metrics.ACC, 0.3),
                // a file with a size only (an analysis row of another layout) is not a line
                ResultRow.of("m", "tq1_0", "weights", "", Metrics.SIZE_BYTES, 2e6));
        FileComparison fc = FileComparison.of(new ResultTable(rows));
        assertEquals("hellaswag", fc.accTask());
        assertEquals(List.of("m / f16", "m / q8_0"), fc.lines().stream().map(FileComparison.Line::label).toList());
        FileComparison.Line base = fc.lines().get(0), q8 = fc.lines().get(1);
        assertTrue(Double.isNaN(base.kld()) && Double.isNaN(base.acc()));
        assertEquals(16e6, base.sizeBytes());
        assertEquals(0.001, q8.kld());
        assertEquals(0.99, q8.sameTop());
        assertEquals(8.5, q8.bitsPerWeightLinear());
        assertEquals(0.3, q8.acc());
        assertEquals("x", FileComparison.label("x", ""));
    }
}
