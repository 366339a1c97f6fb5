package dev.trit.e2e;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.trit.e2e.DemoCompareTest.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * trit compare --quants: the equal-memory comparison on the bundled mini models (the FP16 mini LLaMA
 * converted by trit itself, beside the ternary mini BitNet GGUF), with its report.
 */
class EqualMemoryCompareTest {
    static final String TEXT = DemoCompareTest.TEXT;
    static final String LLAMA = Cli.FIXTURES.resolve("hf/mini-llama-f16").toString();
    static final String TQ2 = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString();

    @Test
    void quantsAreBuiltFromTheBaselineAndReported(@TempDir Path dir) throws IOException {
        Path results = dir.resolve("cmp.json"), report = dir.resolve("report");
        Cli c = Cli.run("compare", "--baseline", LLAMA, "--models", TQ2, "--text", TEXT, "--max-windows", "2",
                "--quants", "q8_0,q4_k_m,q2_k,bf16", "--with-q8", "--results", results.toString(), "--report", report.toString(), "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        // --with-q8 next to q8_0 converts once
        assertTrue(c.err().contains("to Q8_0 [1/4]") && c.err().contains("to Q2_K [3/4]") && c.err().contains("to BF16 [4/4]"), c::toString);
        ResultTable t = ResultFiles.read(results);
        String text = "wikitext-2-test";
        String[] files = {"mini-llama-f16", "mini-llama-f16-q8_0", "mini-llama-f16-q4_k_m", "mini-llama-f16-q2_k", "mini-llama-f16-bf16",
                "mini-bitnet-tq2_0"};
        for (String f : files) {
            assertTrue(c.out().contains(f), f + " missing:\n" + c.out());
            assertTrue(value(t, f, "", "weights", "size_bytes") > 0, f);
            assertTrue(value(t, f, "", text, "perplexity") > 1, f);
        }
        // sizes: Q2_K < Q4_K_M < Q8_0 < BF16 (and the ternary file below Q8_0); KLD against the FP16 baseline the other way round
        String[] quants = {"mini-llama-f16-q2_k", "mini-llama-f16-q4_k_m", "mini-llama-f16-q8_0", "mini-llama-f16-bf16"};
        for (int i = 1; i < quants.length; i++) {
            assertTrue(value(t, quants[i - 1], "", "weights", "size_bytes") < value(t, quants[i], "", "weights", "size_bytes"), quants[i]);
            assertTrue(value(t, quants[i - 1], "", text, "kld_mean") > value(t, quants[i], "", text, "kld_mean"), quants[i]);
        }
        assertTrue(value(t, "mini-bitnet-tq2_0", "", "weights", "size_bytes") < value(t, "mini-llama-f16-q8_0", "", "weights", "size_bytes"));
        assertEquals(8.5, value(t, "mini-llama-f16-q8_0", "", "weights", "bits_per_weight"), 0.1);
        assertTrue(value(t, "mini-llama-f16-q8_0", "", text, "kld_mean") < 0.01);
        assertTrue(value(t, "mini-llama-f16-q8_0", "", text, "top1_agreement") > 0.9);

        // the report: both quality-size charts (PNG and SVG, every file labelled) and the sortable table, one row per file
        for (String chart : new String[]{"size-kld", "size-ppl"}) {
            assertTrue(Files.size(report.resolve("charts/" + chart + ".png")) > 0, chart);
            assertTrue(Files.size(report.resolve("charts/" + chart + ".svg")) > 0, chart);
        }
        String ppl = Files.readString(report.resolve("charts/size-ppl.svg"));
        for (String f : files) assertTrue(ppl.contains(f), f + " not labelled");
        String html = Files.readString(report.resolve("index.html"));
        int start = html.indexOf("<table class=\"sortable\" id=\"comparison\">");
        assertTrue(start >= 0, html);
        String table = html.substring(start, html.indexOf("</table>", start));
        assertEquals(files.length, table.split("<tr><td>", -1).length - 1, table);
        for (String f : files) assertTrue(table.contains("<tr><td>" + f + "</td>"), f);
        assertTrue(html.contains("querySelectorAll('table.sortable')"));
        // Q2_K is the smallest file, so nothing beats it on size: it is on both fronts
        int row = table.indexOf("<tr><td>mini-llama-f16-q2_k</td>");
        assertTrue(table.substring(row, table.indexOf("</tr>", row)).contains("size × KLD, size × ppl"), table);
    }

    @Test
    void aTypeTheConverterDoesNotWriteIsAUsageError() {
        for (String bad : new String[]{"q9_z", "tq2_0", "packed"}) {
            Cli c = Cli.run("compare", "--baseline", LLAMA, "--models", TQ2, "--text", TEXT, "--quants", "q8_0," + bad);
            assertEquals(2, c.exitCode(), c::toString);
            assertTrue(c.err().contains("--quants: '" + bad + "' is not a quantization type trit convert writes"), c::toString);
            assertEquals(1, c.err().strip().lines().filter(l -> l.contains("--quants")).count(), c::toString);
            assertFalse(c.err().contains("converting"), "nothing is converted before the names are checked: " + c);
        }
    }

    @Test
    void demoRefusesAnUnknownQuantBeforeConverting(@TempDir Path dir) {
        Cli c = Cli.run("demo", "--out", dir.toString(), "--quants", "q8_0,q9_z");
        assertEquals(2, c.exitCode(), c::toString);
        assertTrue(c.err().contains("--quants: 'q9_z'") && !c.err().contains("convert ["), c::toString);
    }
}
