package dev.trit.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** trit demo and trit compare end to end, on the bundled demo models (short protocols to keep the suite quick). */
class DemoCompareTest {
    static final String TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt").toString();
    static final String HELLASWAG = Cli.FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt").toString();
    static final String LLAMA = Cli.FIXTURES.resolve("hf/demo-llama-f16").toString();
    static final String BITNET = Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString();

    static double value(ResultTable t, String model, String variant, String task, String metric) {
        List<ResultRow> r = t.where(x -> x.model().equals(model) && x.variant().equals(variant) && x.task().equals(task)
                && x.scope().isEmpty() && x.metric().equals(metric));
        assertEquals(1, r.size(), () -> model + "/" + variant + " [" + task + "] " + metric + ": " + r.size() + " rows");
        return r.getFirst().value();
    }

    @Test
    void demoConvertsMeasuresAndReports(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("report");
        Cli c = Cli.run("demo", "--out", out.toString(), "--windows", "3", "--hellaswag", "8", "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(Files.size(out.resolve("index.html")) > 0);
        assertTrue(Files.exists(out.resolve("summary.md")));
        for (String f : new String[]{"demo-bitnet-tq1_0.gguf", "demo-bitnet-tq2_0.gguf", "demo-bitnet-i2_s.gguf", "demo-llama-q8_0.gguf",
                "demo-llama-ternarized-tq2_0.gguf"}) {
            assertTrue(Files.exists(out.resolve("work").resolve(f)), f);
        }
        ResultTable t = ResultFiles.read(out.resolve("results.arrow"));
        assertEquals(ResultFiles.toJson(t), ResultFiles.toJson(ResultFiles.read(out.resolve("results.json"))));
        String ppl = "perplexity", text = "wikitext-2-test", vsSource = "wikitext-2-test vs demo-bitnet/hf-packed";
        String[][] models = {{"demo-llama", "hf-f16"}, {"demo-llama", "gguf-q8_0"}, {"demo-llama", "gguf-tq2_0-ternarized"},
                {"demo-bitnet", "hf-packed"}, {"demo-bitnet", "gguf-tq1_0"}, {"demo-bitnet", "gguf-tq2_0"}, {"demo-bitnet", "gguf-i2_s"},
                {"demo1-bitnet", "hf-packed"}};
        for (String[] m : models) {
            assertEquals(3 * 255, value(t, m[0], m[1], text, "tokens"));
            assertTrue(value(t, m[0], m[1], text, ppl) > 1);
            assertEquals(8, value(t, m[0], m[1], "hellaswag", "items"));
            assertTrue(value(t, m[0], m[1], "weights", "size_bytes") > 0);
            assertTrue(value(t, m[0], m[1], "speed-probe", "decode_tok_s") > 0);
            if (!m[1].equals("hf-f16")) assertTrue(value(t, m[0], m[1], text, "kld_mean") >= 0);
            assertTrue(c.out().contains(m[0] + " / " + m[1]), m[0] + " / " + m[1] + " missing from the table:\n" + c.out());
        }
        // The conversions keep every trit (same share of zeros as the source); I2_S also keeps the
        // f32 scale, so the engine computes the same numbers; TQ1_0 and TQ2_0 store the scale as
        // fp16 (relative rounding <= 2^-11), which may move perplexity by about that much, no more.
        double packed = value(t, "demo-bitnet", "hf-packed", text, ppl);
        double zeros = value(t, "demo-bitnet", "hf-packed", "weights", "share_zero");
        for (String v : new String[]{"gguf-tq1_0", "gguf-tq2_0", "gguf-i2_s"}) {
            assertEquals(zeros, value(t, "demo-bitnet", v, "weights", "share_zero"), 0, v);
            assertEquals(packed, value(t, "demo-bitnet", v, text, ppl), packed * 1e-3, v);
            assertTrue(value(t, "demo-bitnet", v, vsSource, "kld_mean") < 1e-3, v);
            assertTrue(value(t, "demo-bitnet", v, vsSource, "top1_agreement") > 0.99, v);
            // Against the FP16 model, a lossless variant is as far as its source.
            assertEquals(value(t, "demo-bitnet", "hf-packed", text, "kld_mean"), value(t, "demo-bitnet", v, text, "kld_mean"), 1e-3, v);
        }
        assertEquals(packed, value(t, "demo-bitnet", "gguf-i2_s", text, ppl), 0);
        assertEquals(0.0, value(t, "demo-bitnet", "gguf-i2_s", vsSource, "kld_mean"));
        assertEquals(value(t, "demo-bitnet", "gguf-tq1_0", text, ppl), value(t, "demo-bitnet", "gguf-tq2_0", text, ppl), 0);
        // Q8_0 is near the FP16 model; bits per weight of the linear layers are the formats' own.
        assertTrue(value(t, "demo-llama", "gguf-q8_0", text, "kld_mean") < 0.01);
        assertTrue(value(t, "demo-llama", "gguf-q8_0", text, "top1_agreement") > 0.95);
        assertTrue(c.out().contains("index.html"), c::toString);
        // 5 conversions and 8 models, more where the converter writes more of the demo's quantized baselines (K-quants)
        java.util.regex.Matcher conv = java.util.regex.Pattern.compile("convert \\[1/(\\d+)\\]").matcher(c.err());
        assertTrue(conv.find(), c::toString);
        int extra = Integer.parseInt(conv.group(1)) - 5;
        assertTrue(extra >= 0 && c.err().contains("measure [" + (8 + extra) + "/" + (8 + extra) + "]"), c::toString);

        // The report opens with the equal-memory comparison: a sortable HTML table, one row per model file, and the
        // quality-size charts; the text table is no longer pasted into the page as preformatted text.
        String html = Files.readString(out.resolve("index.html"));
        int start = html.indexOf("<table class=\"sortable\" id=\"comparison\">");
        assertTrue(start >= 0 && start < html.indexOf("charts/size.png"), html);
        String table = html.substring(start, html.indexOf("</table>", start));
        assertEquals(8 + extra, table.split("<tr><td>", -1).length - 1, table);
        for (String[] m : models) assertTrue(table.contains("<tr><td>" + m[0] + " / " + m[1] + "</td>"), m[0] + " / " + m[1]);
        assertFalse(html.contains("<pre>  model / variant"), "the text table is not in the page");
        for (String chart : new String[]{"size-kld", "size-ppl"}) {
            assertTrue(Files.exists(out.resolve("charts/" + chart + ".png")) && Files.exists(out.resolve("charts/" + chart + ".svg")), chart);
        }
    }

    @Test
    void compareTablesModelsAgainstTheBaseline(@TempDir Path dir) throws IOException {
        Path results = dir.resolve("cmp.json");
        Cli c = Cli.run("compare", "--baseline", LLAMA, "--models", BITNET, "--text", TEXT, "--max-windows", "2", "--with-q8",
                "--mc", "hellaswag:" + HELLASWAG + ":4", "--results", results.toString(), "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        for (String m : new String[]{"demo-llama-f16", "demo-llama-f16-q8_0", "demo-bitnet-packed"}) assertTrue(c.out().contains(m), c::toString);
        assertTrue(c.out().contains("hellaswag acc"), c::toString);
        ResultTable t = ResultFiles.read(results);
        String text = "wikitext-2-test";
        double q8 = value(t, "demo-llama-f16-q8_0", "", text, "kld_mean");
        assertTrue(q8 > 0 && q8 < 0.01, "Q8_0 KLD " + q8);
        assertTrue(value(t, "demo-bitnet-packed", "", text, "kld_mean") > q8);
        assertEquals(4, value(t, "demo-bitnet-packed", "", "hellaswag", "items"));
        assertTrue(t.where(r -> r.model().equals("demo-llama-f16") && r.metric().equals("kld_mean")).isEmpty());

        // The same perplexity as trit ppl computes on the same windows (another code path:
        // PerplexityRun's vector exp vs LogitsRun's double exp; agreement to ~1e-6 relative).
        Cli p = Cli.run("ppl", BITNET, TEXT, "--max-windows", "2", "--json");
        assertEquals(0, p.exitCode(), p::toString);
        double expected = new ObjectMapper().readTree(p.out()).get("perplexity").asDouble();
        assertEquals(expected, value(t, "demo-bitnet-packed", "", text, "perplexity"), expected * 1e-5);

        Cli j = Cli.run("compare", "--baseline", LLAMA, "--models", BITNET, "--text", TEXT, "--max-windows", "1", "--json");
        assertEquals(0, j.exitCode(), j::toString);
        assertTrue(new ObjectMapper().readTree(j.out()).get("rows").size() > 0);
    }

    /** The committed demo baseline and rules belong together: the baseline passes, a 3% perplexity rise fails. */
    @Test
    void demoGateRulesCatchAPerplexityRise(@TempDir Path dir) throws IOException {
        Path baseline = Cli.ROOT.resolve("ci/baseline/demo-results.json"), rules = Cli.ROOT.resolve("ci/demo-gate-rules.txt");
        Cli same = Cli.run("gate", "--baseline", baseline.toString(), "--current", baseline.toString(), "--rules", rules.toString());
        assertEquals(0, same.exitCode(), same::toString);
        ResultTable t = ResultFiles.read(baseline);
        List<ResultRow> worse = t.rows().stream().map(r -> r.metric().equals("perplexity") && r.variant().equals("gguf-tq2_0")
                ? new ResultRow(r.model(), r.variant(), r.task(), r.scope(), r.metric(), r.value() * 1.03, r.unit()) : r).toList();
        Path current = dir.resolve("worse.json");
        ResultFiles.writeJson(new ResultTable(worse), current);
        Cli c = Cli.run("gate", "--baseline", baseline.toString(), "--current", current.toString(), "--rules", rules.toString());
        assertEquals(1, c.exitCode(), c::toString);
        assertTrue(c.out().contains("1 failed"), c::toString);
    }

    @Test
    void badUsageExitsTwo(@TempDir Path dir) {
        assertEquals(2, Cli.run("demo", "--windows", "0", "--out", dir.toString()).exitCode());
        assertEquals(2, Cli.run("demo", "--hellaswag", "500", "--out", dir.toString()).exitCode());
        assertEquals(2, Cli.run("compare", "--models", BITNET, "--text", TEXT).exitCode());
        assertEquals(2, Cli.run("compare", "--baseline", LLAMA, "--models", BITNET, "--text", TEXT, "--mc", "nosuchtask:x.txt").exitCode());
        assertEquals(2, Cli.run("compare", "--baseline", LLAMA, "--models", BITNET, "--text", TEXT, "--mc", "hellaswag").exitCode());
        Cli missing = Cli.run("demo", "--fixtures", dir.resolve("none").toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("not found"), missing::toString);
    }
}
