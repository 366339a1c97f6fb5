package dev.trit.reports;

import dev.trit.analysis.EnergyModel;
import dev.trit.analysis.ModelAnalysis;
import dev.trit.analysis.ModelAnalyzer;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ReportBuilderTest {
    static final Path FIXTURES = Path.of(System.getProperty("trit.root"), "fixtures");

    /** Synthetic quality/speed rows plus the real analysis and energy rows of the demo model. */
    static ResultTable mixed() throws Exception {
        List<ResultRow> rows = new ArrayList<>(SyntheticResults.table().rows());
        ModelAnalysis a = ModelAnalyzer.analyze(FIXTURES.resolve("hf/demo-bitnet-packed"), false);
        rows.addAll(a.toRows());
        rows.addAll(EnergyModel.rows(a.model(), a.shape(), 256));
        return new ResultTable(rows);
    }

    @Test
    void everyChartIsWrittenAsPngAndSvg(@TempDir Path dir) throws Exception {
        ReportBuilder.Report r = ReportBuilder.build(mixed(), dir);
        assertEquals(3, r.missing().size(), r.missing()::toString);
        assertTrue(r.missing().get(0).startsWith("layer sensitivity heatmap"), r.missing()::toString);
        assertTrue(r.missing().get(1).startsWith("mixed-precision plans"), r.missing()::toString);
        assertTrue(r.missing().get(2).startsWith("activation statistics"), r.missing()::toString);
        assertEquals(List.of("size-kld", "size-ppl", "size", "speed", "energy", "pareto", "kld", "top1", "layers"),
                r.charts().stream().map(ReportBuilder.Chart::file).toList());
        String html = Files.readString(dir.resolve("index.html"));
        for (ReportBuilder.Chart c : r.charts()) {
            BufferedImage img = ImageIO.read(dir.resolve("charts/" + c.file() + ".png").toFile());
            assertEquals(900, img.getWidth(), c.file());
            assertEquals(520, img.getHeight());
            String svg = Files.readString(dir.resolve("charts/" + c.file() + ".svg"));
            assertTrue(svg.startsWith("<?xml") || svg.startsWith("<svg"), c.file());
            assertTrue(svg.contains(c.title().split(" ")[0]) || svg.contains("<text") || svg.contains("path"), c.file());
            assertTrue(html.contains("src=\"charts/" + c.file() + ".png\""), c.file());
        }
        String md = Files.readString(dir.resolve("summary.md"));
        assertTrue(md.contains("| synthetic-bitnet / tq2_0 |"), md);
    }

    /** trit sensitivity rows by tensor: a layer × kind heatmap per type on its own page, linked from the index. */
    @Test
    void sensitivityHeatmapOnItsOwnPage(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = new ArrayList<>();
        String[] kinds = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
        for (String type : List.of("q2_k", "q4_k")) {
            for (int l = 0; l < 4; l++) {
                for (int k = 0; k < kinds.length; k++) {
                    String scope = "blk." + l + "." + kinds[k] + ".weight";
                    rows.add(ResultRow.of("mini-llama-f16", type, "wikitext-2-test", scope, dev.trit.analysis.Metrics.KLD_MEAN, 1e-4 * (1 + k) * (4 - l)));
                    rows.add(ResultRow.of("mini-llama-f16", type, "wikitext-2-test", scope, dev.trit.analysis.Metrics.BYTES_SAVED, 1000));
                }
            }
        }
        // layer- and kind-level units do not enter the heatmap
        rows.add(ResultRow.of("mini-llama-f16", "q4_k", "wikitext-2-test", "layer.0", dev.trit.analysis.Metrics.KLD_MEAN, 1));
        ReportBuilder.Report r = ReportBuilder.build(new ResultTable(rows), dir);
        assertEquals(List.of("sensitivity-mini-llama-f16_q2_k", "sensitivity-mini-llama-f16_q4_k"),
                r.charts().stream().map(ReportBuilder.Chart::file).filter(f -> f.startsWith("sensitivity")).toList());
        String page = Files.readString(dir.resolve("sensitivity.html")), index = Files.readString(dir.resolve("index.html"));
        assertTrue(page.contains("src=\"charts/sensitivity-mini-llama-f16_q2_k.png\""), page);
        assertFalse(index.contains("src=\"charts/sensitivity-"), index);
        assertTrue(index.contains("href=\"sensitivity.html\""), index);
        BufferedImage img = ImageIO.read(dir.resolve("charts/sensitivity-mini-llama-f16_q4_k.png").toFile());
        assertEquals(900, img.getWidth());
    }

    @Test
    void missingMetricsAreListedNotDrawn(@TempDir Path dir) throws Exception {
        ResultTable only = new ResultTable(SyntheticResults.table().metric(dev.trit.analysis.Metrics.SIZE_BYTES));
        ReportBuilder.Report r = ReportBuilder.build(only, dir);
        assertEquals(1, r.charts().size());
        assertEquals(10, r.missing().size());
        assertTrue(Files.readString(dir.resolve("index.html")).contains("Not in these results"));
    }

    @Test
    void notesComeFirstAndParetoUsesLinearBitsWhenEveryPointHasThem(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = new ArrayList<>();
        for (String[] m : new String[][]{{"a", "f16", "16", "16", "50"}, {"a", "tq2_0", "5.5", "2.06", "70"}}) {
            rows.add(ResultRow.of(m[0], m[1], "weights", "", dev.trit.analysis.Metrics.BITS_PER_WEIGHT, Double.parseDouble(m[2])));
            rows.add(ResultRow.of(m[0], m[1], "weights", "linear", dev.trit.analysis.Metrics.BITS_PER_WEIGHT, Double.parseDouble(m[3])));
            rows.add(ResultRow.of(m[0], m[1], "text", "", dev.trit.analysis.Metrics.PERPLEXITY, Double.parseDouble(m[4])));
        }
        ReportBuilder.build(new ResultTable(rows), dir, List.of("Protocol: <b> & more", "  a  |  b"));
        String html = Files.readString(dir.resolve("index.html")), md = Files.readString(dir.resolve("summary.md"));
        assertTrue(html.contains("<p>Protocol: &lt;b&gt; &amp; more</p>"), html);
        assertTrue(html.contains("<pre>  a  |  b</pre>"), html);
        assertTrue(html.indexOf("Protocol:") < html.indexOf("charts/pareto.png"));
        assertTrue(md.contains("Protocol: <b> & more") && md.contains("```\n  a  |  b\n```"), md);
        assertTrue(html.contains("bits per weight of the linear layers"), html);

        rows.removeIf(r -> r.scope().equals("linear") && r.variant().equals("f16"));
        ReportBuilder.build(new ResultTable(rows), dir.resolve("whole"), List.of());
        assertFalse(Files.readString(dir.resolve("whole/index.html")).contains("of the linear layers"));
    }

    /** The equal-memory section: both quality-size charts, a sortable HTML table with one row per model file, the Pareto column. */
    @Test
    void equalMemoryTableAndCharts(@TempDir Path dir) throws Exception {
        if (System.getenv("TRIT_REPORT_KEEP") != null) dir = Path.of(System.getenv("TRIT_REPORT_KEEP")); // to look at the page
        ReportBuilder.Report r = ReportBuilder.build(SyntheticResults.table(), dir);
        for (String c : new String[]{"size-kld", "size-ppl"}) {
            assertTrue(Files.size(dir.resolve("charts/" + c + ".png")) > 0, c);
            String svg = Files.readString(dir.resolve("charts/" + c + ".svg"));
            // every point labelled (the labels are drawn as text in the SVG)
            for (String label : new String[]{"synthetic-bitnet / tq2_0", "synthetic-bitnet / tq1_0", "synthetic-llama / q8_0"}) {
                assertTrue(svg.contains(label), c + " lacks the label " + label);
            }
        }
        // The baselines (KLD 0) are on the perplexity chart only.
        assertTrue(Files.readString(dir.resolve("charts/size-ppl.svg")).contains("synthetic-llama / f16"));
        assertFalse(Files.readString(dir.resolve("charts/size-kld.svg")).contains("synthetic-llama / f16"));
        assertTrue(r.charts().stream().anyMatch(c -> c.file().equals("size-kld")));

        String html = Files.readString(dir.resolve("index.html"));
        int start = html.indexOf("<table class=\"sortable\" id=\"comparison\">"), end = html.indexOf("</table>", start);
        assertTrue(start >= 0, html);
        String t = html.substring(start, end);
        assertTrue(t.contains("<thead><tr><th>model / variant</th><th>size (MB)</th><th>bits/w</th><th>perplexity</th><th>mean KLD</th>"
                + "<th>same top (%)</th><th>hellaswag acc</th><th>Pareto front</th></tr></thead>"), t);
        assertEquals(5, t.split("<tr><td>", -1).length - 1, t);
        for (String m : new String[]{"synthetic-bitnet / f16", "synthetic-bitnet / tq2_0", "synthetic-bitnet / tq1_0", "synthetic-llama / f16",
                "synthetic-llama / q8_0"}) {
            assertTrue(t.contains("<tr><td>" + m + "</td>"), m);
        }
        // numeric cells carry their value for sorting; the script sorts every table of class sortable on a header click
        assertTrue(t.contains("<td data-v=\"38.81\">38.810</td>"), t);
        assertTrue(html.contains("<script>") && html.contains("querySelectorAll('table.sortable')") && html.contains("addEventListener('click'"));
        assertFalse(html.contains("src=\"http"), "no external assets");
        // Pareto fronts by hand. size x ppl: tq1_0 (2.5 MiB, 38.81) and q8_0 (4.6, 36.1) are beaten by nothing; tq2_0 (2.9, 38.81)
        // is beaten by tq1_0, bitnet f16 (8.5, 38.80) by q8_0; llama f16 (8.5, 36.0) is the best perplexity.
        assertTrue(t.contains("<tr><td>synthetic-bitnet / tq1_0</td>") && row(t, "synthetic-bitnet / tq1_0").contains("size × ppl"));
        assertFalse(row(t, "synthetic-bitnet / tq2_0").contains("size × ppl"));
        assertFalse(row(t, "synthetic-bitnet / f16").contains("size × ppl"));
        assertTrue(row(t, "synthetic-llama / f16").contains("size × ppl"));
        // size x KLD (files with KLD > 0): tq1_0 beats tq2_0 (smaller, same KLD) and q8_0 (smaller and lower KLD)
        assertTrue(row(t, "synthetic-bitnet / tq1_0").contains("size × KLD, size × ppl"));
        assertEquals("<td>size × ppl</td>", row(t, "synthetic-llama / q8_0").replaceAll(".*(<td>[^<]*</td>)$", "$1"));
        assertTrue(Files.readString(dir.resolve("summary.md")).contains("## Equal-memory comparison"));
    }

    private static String row(String table, String label) {
        int i = table.indexOf("<tr><td>" + label + "</td>");
        return table.substring(i, table.indexOf("</tr>", i));
    }

    /**
     * trit activations: the quantizer errors per linear from the act_* rows alone, and with the per-linear arrays
     * (as trit report reads them from an --out Arrow file, here written and read back) each linear's channel absmax
     * plot and token absmax histogram, all on activations.html, linked from the index.
     */
    @Test
    void activationsPage(@TempDir Path dir) throws Exception {
        java.util.Random rnd = new java.util.Random(7);
        List<dev.trit.analysis.LinearActivations> linears = new ArrayList<>();
        int cols = 64;
        for (int l = 0; l < 2; l++) {
            for (var p : List.of(dev.trit.engine.LinearInputObserver.Projection.Q, dev.trit.engine.LinearInputObserver.Projection.DOWN)) {
                float[] tok = new float[40], chan = new float[cols];
                for (int t = 0; t < tok.length; t++) tok[t] = (float) Math.exp(rnd.nextGaussian());
                for (int c = 0; c < cols; c++) chan[c] = (float) Math.exp(rnd.nextGaussian() * 0.3);
                chan[5] = 50f; // an outlier channel
                float[] sorted = chan.clone();
                java.util.Arrays.sort(sorted);
                double median = (sorted[cols / 2 - 1] + (double) sorted[cols / 2]) / 2;
                linears.add(new dev.trit.analysis.LinearActivations(p.moduleName(l), l, p, cols, 2, tok, chan, new double[cols], new double[cols],
                        1e-4 * (l + 1), 2e-2 * (l + 1), 3e-4 * (l + 1), median, new int[]{5}));
            }
        }
        Path arrow = dir.resolve("act.arrow");
        dev.trit.analysis.ActivationsArrowFile.write(arrow, linears, java.util.Map.of("trit.model", "m", "trit.windows", "2"));
        assertTrue(dev.trit.analysis.ActivationsArrowFile.is(arrow));
        var back = dev.trit.analysis.ActivationsArrowFile.read(arrow).linears();
        assertEquals(linears.size(), back.size());
        assertArrayEquals(linears.get(3).chanAbsmax(), back.get(3).chanAbsmax());
        assertEquals(linears.get(3).medianChanAbsmax(), back.get(3).medianChanAbsmax());
        assertEquals(linears.get(1).projection(), back.get(1).projection());

        List<ResultRow> rows = new ArrayList<>();
        for (var a : back) rows.addAll(a.toRows("m", "", "text"));
        Path out = dir.resolve("report");
        ReportBuilder.Report r = ReportBuilder.build(new ResultTable(rows), out, List.of(), java.util.Map.of("m", back));
        List<String> act = r.charts().stream().map(ReportBuilder.Chart::file).filter(f -> f.startsWith("act-")).toList();
        assertEquals(1 + 2 * linears.size(), act.size(), act::toString);
        assertEquals("act-error-m", act.getFirst());
        assertTrue(act.contains("act-chan-m-model.layers.1.mlp.down_proj"), act::toString);
        assertTrue(act.contains("act-tok-m-model.layers.0.self_attn.q_proj"), act::toString);
        for (String f : act) {
            assertTrue(Files.size(out.resolve("charts/" + f + ".png")) > 1000, f);
            assertTrue(Files.readString(out.resolve("charts/" + f + ".svg")).contains("<svg"), f);
        }
        String page = Files.readString(out.resolve("activations.html")), index = Files.readString(out.resolve("index.html"));
        assertTrue(page.contains("src=\"charts/act-chan-m-model.layers.0.self_attn.q_proj.png\""), page);
        assertTrue(page.contains("1 outlier channel above the dashed line"), page);
        assertTrue(index.contains("href=\"activations.html\""), index);
        assertFalse(r.missing().stream().anyMatch(m -> m.startsWith("activation") || m.startsWith("per-linear")), r.missing()::toString);

        // the rows alone (trit activations --json): the error chart, and the per-linear plots listed as missing
        ReportBuilder.Report j = ReportBuilder.build(new ResultTable(rows), dir.resolve("json"));
        assertEquals(List.of("act-error-m"), j.charts().stream().map(ReportBuilder.Chart::file).filter(f -> f.startsWith("act-")).toList());
        assertTrue(j.missing().stream().anyMatch(m -> m.startsWith("per-linear outlier")), j.missing()::toString);
    }

    /**
     * A file trit convert --plan wrote (a planned_tensors row, as trit compare writes it) sits beside the uniform
     * types on plan.html, and is marked "(plan)" in the equal-memory chart.
     */
    @Test
    void planPageShowsPlansBesideUniformTypes(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = new ArrayList<>();
        String task = "wikitext-2-test";
        Object[][] files = {{"base-f16", 60e6, 0.0}, {"base-q4_k_m", 18e6, 0.02}, {"base-q3_k_m", 14e6, 0.06}, {"base-q6_k", 25e6, 0.004},
                {"planned", 17.5e6, 0.012}};
        for (Object[] f : files) {
            rows.add(ResultRow.of((String) f[0], "", task, "", dev.trit.analysis.Metrics.SIZE_BYTES, (double) f[1]));
            rows.add(ResultRow.of((String) f[0], "", task, "", dev.trit.analysis.Metrics.PERPLEXITY, 20 + 100 * (double) f[2]));
            rows.add(ResultRow.of((String) f[0], "", task, "", dev.trit.analysis.Metrics.KLD_MEAN, (double) f[2]));
        }
        rows.add(ResultRow.of("planned", "", "", "", dev.trit.analysis.Metrics.PLANNED_TENSORS, 29));
        ReportBuilder.Report r = ReportBuilder.build(new ResultTable(rows), dir);
        assertTrue(r.charts().stream().anyMatch(c -> c.file().equals("plan-size-kld")), r.charts()::toString);
        assertFalse(r.missing().stream().anyMatch(m -> m.startsWith("mixed-precision")), r.missing()::toString);
        String page = Files.readString(dir.resolve("plan.html")), index = Files.readString(dir.resolve("index.html"));
        assertTrue(page.contains("src=\"charts/plan-size-kld.png\""), page);
        assertTrue(index.contains("href=\"plan.html\""), index);
        String svg = Files.readString(dir.resolve("charts/plan-size-kld.svg"));
        assertTrue(svg.contains("planned (plan)"), "the plan's point is labelled");
        assertTrue(svg.contains("uniform type"), "legend");
        assertTrue(Files.readString(dir.resolve("charts/size-kld.svg")).contains("planned (plan)"));
        BufferedImage img = ImageIO.read(dir.resolve("charts/plan-size-kld.png").toFile());
        assertEquals(900, img.getWidth());
    }
}
