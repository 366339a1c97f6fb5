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
        assertEquals(List.of(), r.missing());
        assertEquals(List.of("size", "speed", "energy", "pareto", "kld", "top1", "layers"),
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

    @Test
    void missingMetricsAreListedNotDrawn(@TempDir Path dir) throws Exception {
        ResultTable only = new ResultTable(SyntheticResults.table().metric(dev.trit.analysis.Metrics.SIZE_BYTES));
        ReportBuilder.Report r = ReportBuilder.build(only, dir);
        assertEquals(1, r.charts().size());
        assertEquals(6, r.missing().size());
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
}
