package dev.trit.reports;

import dev.trit.formats.OutputFiles;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code trit report}: a self-contained folder (index.html, summary.md, charts/*.png and *.svg) from
 * result tables. Each chart is drawn only when its metrics are present; the page says which are
 * missing. Charts are rendered headless by JFreeChart, SVG through JFreeSVG.
 */
public final class ReportBuilder {
    static {
        // Charts are drawn off-screen; no display is needed or wanted (CI, servers).
        System.setProperty("java.awt.headless", "true");
    }

    private static final int W = 900, H = 520;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    /** One chart of the page. */
    public record Chart(String file, String title, String caption) {
    }

    public record Report(Path dir, List<Chart> charts, List<String> missing) {
    }

    private final ResultTable table;
    private final Path dir;
    private final List<Chart> charts = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final StringBuilder sections = new StringBuilder();
    private final List<String> notes;

    private ReportBuilder(ResultTable table, Path dir, List<String> notes) {
        this.table = table;
        this.dir = dir;
        this.notes = List.copyOf(notes);
    }

    public static Report build(ResultTable table, Path dir) throws IOException {
        return build(table, dir, List.of());
    }

    /**
     * @param notes paragraphs of plain text shown above the charts (what was measured and how);
     *              lines starting with "  " inside a note are kept as preformatted text
     */
    public static Report build(ResultTable table, Path dir, List<String> notes) throws IOException {
        Files.createDirectories(dir.resolve("charts"));
        ReportBuilder b = new ReportBuilder(table, dir, notes);
        b.sizeChart();
        b.speedChart();
        b.energyChart();
        b.paretoChart();
        b.qualityCharts();
        b.layerChart();
        b.writeHtml();
        b.writeMarkdown();
        return new Report(dir, List.copyOf(b.charts), List.copyOf(b.missing));
    }

    private static String label(ResultRow r) {
        return r.variant().isEmpty() ? r.model() : r.model() + " / " + r.variant();
    }

    private List<ResultRow> modelLevel(String metric) {
        return table.where(r -> r.metric().equals(metric) && r.scope().isEmpty() && Double.isFinite(r.value()));
    }

    private void sizeChart() throws IOException {
        // Whole-model sizes only: the weights rows of trit analyze and the size rows of converters.
        List<ResultRow> rows = modelLevel(Metrics.SIZE_BYTES);
        if (rows.isEmpty()) {
            missing.add("model size (" + Metrics.SIZE_BYTES + ")");
            return;
        }
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (ResultRow r : rows) d.addValue(r.value() / (1 << 20), r.variant().isEmpty() ? "-" : r.variant(), r.model());
        JFreeChart c = ChartFactory.createBarChart("Model size by format", "Model", "Size (MiB)", d);
        save(style(c), "size", "Model size by format",
                "Bytes of tensor data of each model file (" + Metrics.SIZE_BYTES + "), in MiB (2^20 bytes).");
    }

    private void speedChart() throws IOException {
        List<ResultRow> pre = modelLevel(Metrics.PREFILL_TOK_S), dec = modelLevel(Metrics.DECODE_TOK_S);
        if (pre.isEmpty() && dec.isEmpty()) {
            missing.add("throughput (" + Metrics.PREFILL_TOK_S + ", " + Metrics.DECODE_TOK_S + ")");
            return;
        }
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (ResultRow r : pre) d.addValue(r.value(), "prefill", label(r));
        for (ResultRow r : dec) d.addValue(r.value(), "decode", label(r));
        JFreeChart c = ChartFactory.createBarChart("Prefill and decode throughput by format", "Model / format", "Throughput (tokens/s)", d);
        save(style(c), "speed", "Prefill and decode throughput",
                "Tokens per second of prompt processing (prefill) and generation (decode).");
    }

    private void energyChart() throws IOException {
        List<ResultRow> rows = modelLevel(Metrics.ENERGY_PJ_PER_TOKEN);
        if (rows.isEmpty()) {
            missing.add("energy per token (" + Metrics.ENERGY_PJ_PER_TOKEN + ")");
            return;
        }
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (ResultRow r : rows) d.addValue(r.value() / 1e6, r.task(), label(r));
        JFreeChart c = ChartFactory.createBarChart("Estimated arithmetic energy per token", "Model / arithmetic", "Energy per token (µJ)", d);
        save(style(c), "energy", "Estimated energy per token",
                "Arithmetic energy of one token from operation counts priced with the BitNet papers' per-operation energies "
                        + "(45 nm: Horowitz 2014; 7 nm); \"fp16\" prices the same shape as an FP16 model, \"ternary\" as BitLinear. "
                        + "Memory traffic is not included.");
    }

    private void paretoChart() throws IOException {
        Map<String, Double> bpw = new LinkedHashMap<>(), linear = new LinkedHashMap<>();
        for (ResultRow r : modelLevel(Metrics.BITS_PER_WEIGHT)) bpw.put(r.model() + "\u0000" + r.variant(), r.value());
        for (ResultRow r : table.where(x -> x.metric().equals(Metrics.BITS_PER_WEIGHT) && x.scope().equals("linear") && Double.isFinite(x.value()))) {
            linear.put(r.model() + "\u0000" + r.variant(), r.value());
        }
        List<ResultRow> ppl = modelLevel(Metrics.PERPLEXITY);
        // Papers quote the bits per weight of the linear layers (embeddings stay 16-bit in every
        // format); use those when every point has them, else the whole file's.
        boolean useLinear = !ppl.isEmpty() && ppl.stream().allMatch(r -> linear.containsKey(r.model() + "\u0000" + r.variant()));
        if (useLinear) bpw = linear;
        XYSeriesCollection d = new XYSeriesCollection();
        List<double[]> points = new ArrayList<>();
        Map<String, XYSeries> byModel = new TreeMap<>();
        for (ResultRow r : ppl) {
            Double b = bpw.get(r.model() + "\u0000" + r.variant());
            if (b == null) continue;
            byModel.computeIfAbsent(r.model(), k -> new XYSeries(k, false)).add(b.doubleValue(), r.value());
            points.add(new double[]{b, r.value()});
        }
        if (points.isEmpty()) {
            missing.add("perplexity against bits per weight (" + Metrics.PERPLEXITY + " and " + Metrics.BITS_PER_WEIGHT
                    + " of the same model and variant)");
            return;
        }
        XYSeries front = new XYSeries("Pareto front", false);
        points.sort(Comparator.comparingDouble((double[] p) -> p[0]).thenComparingDouble(p -> p[1]));
        double best = Double.POSITIVE_INFINITY;
        for (double[] p : points) {
            if (p[1] < best) {
                front.add(p[0], p[1]);
                best = p[1];
            }
        }
        for (XYSeries s : byModel.values()) d.addSeries(s);
        d.addSeries(front);
        JFreeChart c = ChartFactory.createScatterPlot("Perplexity against bits per weight",
                useLinear ? "Storage of the linear layers (bits per weight)" : "Storage (bits per weight)",
                "Perplexity (lower is better)", d, PlotOrientation.VERTICAL, true, false, false);
        XYPlot p = c.getXYPlot();
        XYLineAndShapeRenderer rr = new XYLineAndShapeRenderer(false, true);
        int fi = d.getSeriesCount() - 1;
        rr.setSeriesLinesVisible(fi, true);
        rr.setSeriesShapesVisible(fi, false);
        rr.setSeriesPaint(fi, Color.DARK_GRAY);
        rr.setSeriesStroke(fi, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[]{6f, 4f}, 0f));
        p.setRenderer(rr);
        ((NumberAxis) p.getRangeAxis()).setAutoRangeIncludesZero(false);
        save(style(c), "pareto", "Perplexity against bits per weight",
                "Each point is one model file: its storage cost (bits per weight" + (useLinear ? " of the linear layers" : "")
                        + ") and its perplexity. The dashed line joins "
                        + "the points no other point beats on both (the Pareto front).");
    }

    private void qualityCharts() throws IOException {
        List<ResultRow> kld = modelLevel(Metrics.KLD_MEAN), top1 = modelLevel(Metrics.TOP1_AGREEMENT);
        if (kld.isEmpty()) missing.add("KL divergence (" + Metrics.KLD_MEAN + ")");
        else {
            DefaultCategoryDataset d = new DefaultCategoryDataset();
            boolean many = kld.stream().map(ResultRow::task).distinct().count() > 1;
            for (ResultRow r : kld) d.addValue(r.value(), "mean KLD" + (many ? " [" + r.task() + "]" : ""), label(r));
            for (ResultRow r : modelLevel(Metrics.KLD_P99)) d.addValue(r.value(), "KLD p99" + (many ? " [" + r.task() + "]" : ""), label(r));
            JFreeChart c = ChartFactory.createBarChart("KL divergence from the reference by format", "Model / format", "KL divergence (nats)", d);
            save(style(c), "kld", "KL divergence by format",
                    "Mean and 99th percentile of the per-token KL divergence of next-token distributions from the reference model.");
        }
        if (top1.isEmpty()) missing.add("top-1 agreement (" + Metrics.TOP1_AGREEMENT + ")");
        else {
            DefaultCategoryDataset d = new DefaultCategoryDataset();
            boolean many = top1.stream().map(ResultRow::task).distinct().count() > 1;
            for (ResultRow r : top1) d.addValue(100 * r.value(), "top-1 agreement" + (many ? " [" + r.task() + "]" : ""), label(r));
            JFreeChart c = ChartFactory.createBarChart("Top-1 agreement with the reference by format", "Model / format", "Top-1 agreement (%)", d);
            ((NumberAxis) c.getCategoryPlot().getRangeAxis()).setRange(0, 100);
            save(style(c), "top1", "Top-1 agreement by format",
                    "Share of positions whose most likely next token equals the reference model's, in percent.");
        }
    }

    private static final Pattern LAYER = Pattern.compile("layer\\.(\\d+)");

    private void layerChart() throws IOException {
        List<ResultRow> rows = table.where(r -> LAYER.matcher(r.scope()).matches()
                && (r.metric().equals(Metrics.SHARE_NEG) || r.metric().equals(Metrics.SHARE_ZERO) || r.metric().equals(Metrics.SHARE_POS)));
        if (rows.isEmpty()) {
            missing.add("per-layer ternary distribution (" + Metrics.SHARE_ZERO + " per layer.N, from trit analyze)");
            return;
        }
        // Categories in (model, layer number) order; series -1, 0, +1.
        Map<String, Map<Integer, double[]>> by = new TreeMap<>();
        for (ResultRow r : rows) {
            Matcher m = LAYER.matcher(r.scope());
            m.matches();
            double[] v = by.computeIfAbsent(label(r), k -> new TreeMap<>()).computeIfAbsent(Integer.parseInt(m.group(1)), k -> new double[3]);
            v[r.metric().equals(Metrics.SHARE_NEG) ? 0 : r.metric().equals(Metrics.SHARE_ZERO) ? 1 : 2] = 100 * r.value();
        }
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        boolean many = by.size() > 1;
        by.forEach((model, layers) -> layers.forEach((l, v) -> {
            String cat = (many ? model + " " : "") + "L" + l;
            d.addValue(v[0], "−1", cat);
            d.addValue(v[1], "0", cat);
            d.addValue(v[2], "+1", cat);
        }));
        JFreeChart c = ChartFactory.createStackedBarChart("Ternary weight distribution per layer"
                        + (many ? "" : " (" + by.keySet().iterator().next() + ")"), "Layer", "Share of weights (%)", d);
        CategoryPlot p = c.getCategoryPlot();
        ((NumberAxis) p.getRangeAxis()).setRange(0, 100);
        BarRenderer r = (BarRenderer) p.getRenderer();
        r.setSeriesPaint(0, new Color(0xD6, 0x60, 0x4D));
        r.setSeriesPaint(1, new Color(0xBB, 0xBB, 0xBB));
        r.setSeriesPaint(2, new Color(0x43, 0x93, 0xC3));
        save(style(c), "layers", "Per-layer ternary distribution",
                "Share of −1, 0 and +1 among the weights of each block's linear layers (q, k, v, o, gate, up, down).");
    }

    private static JFreeChart style(JFreeChart c) {
        c.setBackgroundPaint(Color.WHITE);
        c.getTitle().setFont(TITLE);
        c.setAntiAlias(true);
        if (c.getLegend() != null) c.getLegend().setItemFont(TICK);
        if (c.getPlot() instanceof CategoryPlot p) {
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(new Color(0xCC, 0xCC, 0xCC));
            CategoryAxis x = p.getDomainAxis();
            x.setLabelFont(LABEL);
            x.setTickLabelFont(TICK);
            x.setMaximumCategoryLabelLines(2);
            if (p.getCategories() != null && p.getCategories().size() > 6) {
                x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
            }
            p.getRangeAxis().setLabelFont(LABEL);
            p.getRangeAxis().setTickLabelFont(TICK);
            if (p.getRenderer() instanceof BarRenderer br) {
                br.setBarPainter(new StandardBarPainter());
                br.setShadowVisible(false);
                br.setItemMargin(0.05);
            }
        } else if (c.getPlot() instanceof XYPlot p) {
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(new Color(0xCC, 0xCC, 0xCC));
            p.setDomainGridlinePaint(new Color(0xCC, 0xCC, 0xCC));
            p.getDomainAxis().setLabelFont(LABEL);
            p.getDomainAxis().setTickLabelFont(TICK);
            p.getRangeAxis().setLabelFont(LABEL);
            p.getRangeAxis().setTickLabelFont(TICK);
        }
        return c;
    }

    private void save(JFreeChart c, String name, String title, String caption) throws IOException {
        Path png = dir.resolve("charts/" + name + ".png"), svg = dir.resolve("charts/" + name + ".svg");
        Path tmpPng = OutputFiles.tempFileBeside(png);
        ChartUtils.saveChartAsPNG(tmpPng.toFile(), c, W, H);
        Files.move(tmpPng, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        SVGGraphics2D g = new SVGGraphics2D(W, H);
        c.draw(g, new Rectangle(0, 0, W, H));
        Gate.writeAtomically(svg, g.getSVGDocument());
        charts.add(new Chart(name, title, caption));
        sections.append("<section>\n<h2>").append(html(title)).append("</h2>\n<figure>\n<img src=\"charts/").append(name)
                .append(".png\" width=\"").append(W).append("\" height=\"").append(H).append("\" alt=\"").append(html(title))
                .append("\">\n<figcaption>").append(html(caption)).append(" <a href=\"charts/").append(name)
                .append(".svg\">SVG</a></figcaption>\n</figure>\n</section>\n");
    }

    private void writeHtml() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>trit report</title>\n<style>\n")
                .append("body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("img{max-width:100%;height:auto;border:1px solid #ddd}\nfigcaption{color:#555;margin:.4em 0 1.5em}\npre{overflow-x:auto;font-size:85%}\n")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}\n</style>\n</head>\n<body>\n<h1>trit report</h1>\n");
        for (String n : notes) {
            b.append(n.startsWith("  ") ? "<pre>" + html(n) + "</pre>\n" : "<p>" + html(n) + "</p>\n");
        }
        b.append("<p>").append(table.rows().size()).append(" result rows, ").append(charts.size()).append(" charts.</p>\n");
        b.append(sections);
        if (!missing.isEmpty()) {
            b.append("<section>\n<h2>Not in these results</h2>\n<ul>\n");
            for (String m : missing) b.append("<li>").append(html(m)).append("</li>\n");
            b.append("</ul>\n</section>\n");
        }
        b.append("<section>\n<h2>Summary</h2>\n").append(summaryHtml()).append("</section>\n</body>\n</html>\n");
        Gate.writeAtomically(dir.resolve("index.html"), b.toString());
    }

    private static final List<String> SUMMARY = List.of(Metrics.SIZE_BYTES, Metrics.BITS_PER_WEIGHT, Metrics.PERPLEXITY,
            Metrics.KLD_MEAN, Metrics.TOP1_AGREEMENT, Metrics.PREFILL_TOK_S, Metrics.DECODE_TOK_S);

    /**
     * Model-level numbers of the summary table: (model / variant) -> metric -> value. Where a metric
     * has several rows (e.g. KLD against two references) the first one is shown.
     */
    private Map<String, Map<String, Double>> summary() {
        Map<String, Map<String, Double>> m = new TreeMap<>();
        for (ResultRow r : table.rows()) {
            if (!r.scope().isEmpty() || !SUMMARY.contains(r.metric())) continue;
            m.computeIfAbsent(label(r), k -> new LinkedHashMap<>()).putIfAbsent(r.metric(), r.value());
        }
        return m;
    }

    private String summaryHtml() {
        StringBuilder b = new StringBuilder("<table>\n<tr><th>model / variant</th>");
        for (String s : SUMMARY) b.append("<th>").append(html(s)).append(" (").append(html(Metrics.unit(s))).append(")</th>");
        b.append("</tr>\n");
        summary().forEach((k, v) -> {
            b.append("<tr><td>").append(html(k)).append("</td>");
            for (String s : SUMMARY) b.append("<td>").append(v.containsKey(s) ? num(v.get(s)) : "").append("</td>");
            b.append("</tr>\n");
        });
        return b.append("</table>\n").toString();
    }

    private void writeMarkdown() throws IOException {
        StringBuilder b = new StringBuilder("# trit report\n\n");
        for (String n : notes) {
            if (n.startsWith("  ")) b.append("```\n").append(n).append("\n```\n\n");
            else b.append(n).append("\n\n");
        }
        for (Chart c : charts) {
            b.append("## ").append(c.title()).append("\n\n![").append(c.title()).append("](charts/").append(c.file())
                    .append(".png)\n\n").append(c.caption()).append("\n\n");
        }
        if (!missing.isEmpty()) {
            b.append("## Not in these results\n\n");
            for (String m : missing) b.append("- ").append(m).append('\n');
            b.append('\n');
        }
        b.append("## Summary\n\n| model / variant |");
        for (String s : SUMMARY) b.append(' ').append(s).append(" (").append(Metrics.unit(s)).append(") |");
        b.append("\n|---|");
        for (int i = 0; i < SUMMARY.size(); i++) b.append("---:|");
        b.append('\n');
        summary().forEach((k, v) -> {
            b.append("| ").append(k.replace("|", "\\|")).append(" |");
            for (String s : SUMMARY) b.append(' ').append(v.containsKey(s) ? num(v.get(s)) : "").append(" |");
            b.append('\n');
        });
        Gate.writeAtomically(dir.resolve("summary.md"), b.toString());
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%,d", (long) v);
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
