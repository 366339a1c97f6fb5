package dev.trit.reports;

import dev.trit.formats.OutputFiles;
import dev.trit.analysis.FileComparison;
import dev.trit.analysis.ActivationStats;
import dev.trit.analysis.LinearActivations;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ParetoFront;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYPointerAnnotation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
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
import java.util.function.ToDoubleFunction;
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

    /** Per model name: the per-linear arrays of a trit activations --out file, for the activations page's per-linear charts. */
    private final Map<String, List<LinearActivations>> activations;

    private ReportBuilder(ResultTable table, Path dir, List<String> notes, Map<String, List<LinearActivations>> activations) {
        this.table = table;
        this.dir = dir;
        this.notes = List.copyOf(notes);
        this.activations = new TreeMap<>(activations);
    }

    public static Report build(ResultTable table, Path dir) throws IOException {
        return build(table, dir, List.of());
    }

    /**
     * @param notes paragraphs of plain text shown above the charts (what was measured and how);
     *              lines starting with "  " inside a note are kept as preformatted text
     */
    public static Report build(ResultTable table, Path dir, List<String> notes) throws IOException {
        return build(table, dir, notes, Map.of());
    }

    /**
     * @param activations per model name, the per-linear arrays of {@code trit activations --out} files: the
     *                    activations page then adds each linear's channel-absmax (outlier) plot and token-absmax
     *                    histogram to the quantizer-error charts it draws from the act_* rows of the table
     */
    public static Report build(ResultTable table, Path dir, List<String> notes, Map<String, List<LinearActivations>> activations)
            throws IOException {
        Files.createDirectories(dir.resolve("charts"));
        ReportBuilder b = new ReportBuilder(table, dir, notes, activations);
        b.equalMemory();
        b.sizeChart();
        b.speedChart();
        b.energyChart();
        b.paretoChart();
        b.qualityCharts();
        b.layerChart();
        b.sensitivityPage();
        b.planPage();
        b.activationsPage();
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

    /**
     * The equal-memory comparison: a sortable table with one row per model file (size, bits per
     * weight, perplexity, KLD and same-top rate against the baseline, accuracy, Pareto membership)
     * and quality against file size, every point labelled, with the Pareto front drawn: once with
     * mean KLD against the baseline (files that have it; the baseline itself is KLD 0 and cannot sit
     * on a log scale), once with perplexity (every file).
     */
    private void equalMemory() throws IOException {
        FileComparison fc = FileComparison.of(table);
        if (fc.lines().isEmpty()) {
            missing.add("equal-memory comparison (" + Metrics.PERPLEXITY + " or " + Metrics.KLD_MEAN + " of a model file, with its "
                    + Metrics.SIZE_BYTES + ")");
            return;
        }
        List<FileComparison.Line> lines = fc.lines();
        int n = lines.size();
        double[] mb = new double[n], kld = new double[n], ppl = new double[n];
        for (int i = 0; i < n; i++) {
            FileComparison.Line l = lines.get(i);
            mb[i] = l.sizeBytes() / 1e6;
            kld[i] = l.kld() > 0 ? l.kld() : Double.NaN;
            ppl[i] = l.perplexity();
        }
        List<Integer> kldFront = ParetoFront.of(mb, kld), pplFront = ParetoFront.of(mb, ppl);
        sections.append("<section id=\"equal-memory\">\n<h2>Equal-memory comparison</h2>\n<p>")
                .append(html("One row per model file; click a column header to sort by it (again to reverse). Size: bytes of tensor data "
                        + "(MB, 10^6 bytes). Mean KLD and same top: against the baseline, on the same text windows. Pareto front: the file "
                        + "is not beaten on both size and quality (KLD, or perplexity) by any other file."))
                .append("</p>\n").append(comparisonHtml(fc, kldFront, pplFront)).append("</section>\n");
        comparisonMarkdown = comparisonMarkdown(fc, kldFront, pplFront);
        if (java.util.stream.IntStream.range(0, n).anyMatch(i -> Double.isFinite(mb[i]) && Double.isFinite(kld[i]))) {
            qualitySizeChart("size-kld", "Mean KLD against file size", "Mean KL divergence from the baseline (nats, lower is better)",
                    lines, mb, kld, kldFront,
                    "Each point is one model file, labelled: its size and its mean KL-divergence from the baseline on the same text. "
                            + "The dashed line joins the Pareto front, the files no other file beats on both size and KLD. The baseline "
                            + "itself (KLD 0) and files with KLD 0 are not drawn.");
        } else {
            missing.add("mean KLD against file size (" + Metrics.KLD_MEAN + " against the baseline and " + Metrics.SIZE_BYTES + ")");
        }
        if (java.util.stream.IntStream.range(0, n).anyMatch(i -> Double.isFinite(mb[i]) && Double.isFinite(ppl[i]))) {
            qualitySizeChart("size-ppl", "Perplexity against file size", "Perplexity (lower is better)", lines, mb, ppl, pplFront,
                    "Each point is one model file, labelled: its size and its perplexity. The dashed line joins the Pareto front, "
                            + "the files no other file beats on both size and perplexity.");
        } else {
            missing.add("perplexity against file size (" + Metrics.PERPLEXITY + " and " + Metrics.SIZE_BYTES + ")");
        }
    }

    private String comparisonMarkdown = "";

    /** A value axis for data from lo to hi: logarithmic where the data spans a decade or more. */
    private static org.jfree.chart.axis.ValueAxis axis(String label, double lo, double hi) {
        if (lo > 0 && hi / lo >= 10) {
            LogAxis a = new LogAxis(label);
            a.setSmallestValue(lo / 10);
            a.setBase(10);
            a.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1)); // one tick per decade
            a.setNumberFormatOverride(new java.text.DecimalFormat("0.###E0"));
            a.setLowerMargin(0.12);
            a.setUpperMargin(0.12);
            return a;
        }
        NumberAxis a = new NumberAxis(label);
        a.setAutoRangeIncludesZero(false);
        a.setLowerMargin(0.12);
        a.setUpperMargin(0.12);
        return a;
    }

    private void qualitySizeChart(String name, String title, String yLabel, List<FileComparison.Line> lines, double[] x, double[] y,
                                  List<Integer> front, String caption) throws IOException {
        qualitySizeChart(name, title, yLabel, lines, x, y, front, caption, null);
    }

    /** @param series the legend series of a file (null: its model) */
    private void qualitySizeChart(String name, String title, String yLabel, List<FileComparison.Line> lines, double[] x, double[] y,
                                  List<Integer> front, String caption, java.util.function.Function<FileComparison.Line, String> series)
            throws IOException {
        XYSeriesCollection d = new XYSeriesCollection();
        Map<String, XYSeries> byModel = new LinkedHashMap<>();
        List<Integer> drawn = new ArrayList<>();
        double xlo = Double.POSITIVE_INFINITY, xhi = 0, ylo = Double.POSITIVE_INFINITY, yhi = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) continue;
            byModel.computeIfAbsent(series == null ? lines.get(i).model() : series.apply(lines.get(i)), k -> new XYSeries(k, false)).add(x[i], y[i]);
            drawn.add(i);
            xlo = Math.min(xlo, x[i]);
            xhi = Math.max(xhi, x[i]);
            ylo = Math.min(ylo, y[i]);
            yhi = Math.max(yhi, y[i]);
        }
        for (XYSeries s : byModel.values()) d.addSeries(s);
        XYSeries f = new XYSeries("Pareto front", false);
        for (int i : front) f.add(x[i], y[i]);
        d.addSeries(f);
        JFreeChart c = ChartFactory.createScatterPlot(title, "File size (MB)", yLabel, d, PlotOrientation.VERTICAL, true, false, false);
        XYPlot p = c.getXYPlot();
        XYLineAndShapeRenderer rr = new XYLineAndShapeRenderer(false, true);
        int fi = d.getSeriesCount() - 1;
        rr.setSeriesLinesVisible(fi, true);
        // the front's files are ringed (a front of one file has no line)
        rr.setSeriesShape(fi, new java.awt.geom.Ellipse2D.Double(-7, -7, 14, 14));
        rr.setSeriesShapesFilled(fi, false);
        rr.setSeriesPaint(fi, Color.DARK_GRAY);
        rr.setSeriesStroke(fi, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[]{6f, 4f}, 0f));
        rr.setUseOutlinePaint(false);
        p.setRenderer(rr);
        p.setDomainAxis(axis("File size (MB)", xlo, xhi));
        p.setRangeAxis(axis(yLabel, ylo, yhi));
        // Every point labelled: a short pointer from the point to its label. Each label, in order
        // along x, takes the direction (4 diagonals) and length that overlaps least with the labels
        // already placed, the points and the plot's edges (in the plot's approximate pixels).
        drawn.sort(Comparator.<Integer>comparingDouble(i -> x[i]).thenComparingDouble(i -> y[i]));
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        double pw = 780, ph = 390, m = 0.12;
        Map<Integer, double[]> px = new LinkedHashMap<>();
        for (int i : drawn) {
            px.put(i, new double[]{pw * (m + frac(x[i], xlo, xhi)) / (1 + 2 * m), ph * (1 - (m + frac(y[i], ylo, yhi)) / (1 + 2 * m))});
        }
        List<double[]> placed = new ArrayList<>();
        for (int i : drawn) {
            String text = lines.get(i).label() + (plans().contains(lines.get(i).label()) ? " (plan)" : "");
            double tw = 6.3 * text.length() + 4, th = 14, bestScore = Double.POSITIVE_INFINITY;
            double[] best = null;
            double bestAngle = 0, bestRadius = 0;
            boolean bestLeft = false, bestUp = false;
            double[] at = px.get(i);
            for (double radius : new double[]{20, 32, 46}) {
                for (int dir = 0; dir < 4; dir++) {
                    boolean left = dir >= 2, up = dir % 2 == 0;
                    double angle = left ? (up ? -0.75 * Math.PI : 0.75 * Math.PI) : (up ? -0.25 * Math.PI : 0.25 * Math.PI);
                    double bx = at[0] + Math.cos(angle) * (radius + 2), by = at[1] + Math.sin(angle) * (radius + 2);
                    double[] r = {left ? bx - tw : bx, up ? by - th : by, left ? bx : bx + tw, up ? by : by + th};
                    double score = radius * 0.05 + dir * 0.01;
                    for (double[] q : placed) score += overlap(r, q);
                    for (double[] q : px.values()) score += overlap(r, new double[]{q[0] - 6, q[1] - 6, q[0] + 6, q[1] + 6});
                    score += 2 * (area(r) - overlap(r, new double[]{0, 0, pw, ph}));
                    if (score < bestScore) {
                        bestScore = score;
                        best = r;
                        bestAngle = angle;
                        bestRadius = radius;
                        bestLeft = left;
                        bestUp = up;
                    }
                }
            }
            placed.add(best);
            XYPointerAnnotation a = new XYPointerAnnotation(text, x[i], y[i], bestAngle);
            a.setTipRadius(6);
            a.setBaseRadius(bestRadius);
            a.setArrowLength(4);
            a.setArrowWidth(2);
            a.setLabelOffset(2);
            a.setFont(small);
            a.setTextAnchor(bestLeft ? (bestUp ? TextAnchor.BOTTOM_RIGHT : TextAnchor.TOP_RIGHT)
                    : (bestUp ? TextAnchor.BOTTOM_LEFT : TextAnchor.TOP_LEFT));
            p.addAnnotation(a);
        }
        save(style(c), name, title, caption);
    }

    private static double area(double[] r) {
        return (r[2] - r[0]) * (r[3] - r[1]);
    }

    private static double overlap(double[] a, double[] b) {
        double w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
        return w > 0 && h > 0 ? w * h : 0;
    }

    /** Where v lies between lo and hi, 0 to 1, on the scale {@link #axis} draws (logarithmic over a decade or more). */
    private static double frac(double v, double lo, double hi) {
        if (!(hi > lo)) return 0.5;
        if (lo > 0 && hi / lo >= 10) return Math.log(v / lo) / Math.log(hi / lo);
        return (v - lo) / (hi - lo);
    }

    private static final String SORT_SCRIPT = """
            <script>
            // Sortable tables: click a header to sort by its column, again to reverse; empty cells last.
            document.querySelectorAll('table.sortable').forEach(function (t) {
              t.querySelectorAll('thead th').forEach(function (th, i) {
                th.addEventListener('click', function () {
                  var asc = th.getAttribute('aria-sort') !== 'ascending';
                  t.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
                  th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
                  var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
                  function key(r) {
                    var c = r.cells[i], v = c.getAttribute('data-v');
                    if (v === null) return c.textContent === '' ? null : c.textContent;
                    return v === '' ? null : parseFloat(v);
                  }
                  rows.sort(function (r, s) {
                    var a = key(r), b = key(s);
                    if (a === null || b === null) return (a === null) - (b === null);
                    var d = typeof a === 'number' ? a - b : String(a).localeCompare(String(b));
                    return asc ? d : -d;
                  });
                  rows.forEach(function (r) { body.appendChild(r); });
                });
              });
            });
            </script>
            """;

    private record Col(String header, String format, double scale, ToDoubleFunction<FileComparison.Line> value) {
    }

    private static List<Col> comparisonColumns(FileComparison fc) {
        List<Col> c = new ArrayList<>(List.of(
                new Col("size (MB)", "%.3f", 1e-6, FileComparison.Line::sizeBytes),
                new Col("bits/w", "%.3f", 1, FileComparison.Line::bitsPerWeight),
                new Col("bits/w linear", "%.3f", 1, FileComparison.Line::bitsPerWeightLinear),
                new Col("perplexity", "%.3f", 1, FileComparison.Line::perplexity),
                new Col("mean KLD", "%.3g", 1, FileComparison.Line::kld),
                new Col("same top (%)", "%.2f", 100, FileComparison.Line::sameTop)));
        if (fc.accTask() != null) c.add(new Col(fc.accTask() + " acc", "%.3f", 1, FileComparison.Line::acc));
        // columns without any number are left out
        return c.stream().filter(col -> fc.lines().stream().anyMatch(l -> Double.isFinite(col.value.applyAsDouble(l)))).toList();
    }

    private static String front(int i, List<Integer> kldFront, List<Integer> pplFront) {
        List<String> s = new ArrayList<>();
        if (kldFront.contains(i)) s.add("size × KLD");
        if (pplFront.contains(i)) s.add("size × ppl");
        return String.join(", ", s);
    }

    private static String comparisonHtml(FileComparison fc, List<Integer> kldFront, List<Integer> pplFront) {
        List<Col> cols = comparisonColumns(fc);
        StringBuilder b = new StringBuilder("<table class=\"sortable\" id=\"comparison\">\n<thead><tr><th>model / variant</th>");
        for (Col c : cols) b.append("<th>").append(html(c.header)).append("</th>");
        b.append("<th>Pareto front</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < fc.lines().size(); i++) {
            FileComparison.Line l = fc.lines().get(i);
            b.append("<tr><td>").append(html(l.label())).append("</td>");
            for (Col c : cols) {
                double v = c.value.applyAsDouble(l) * c.scale;
                if (Double.isFinite(v)) {
                    b.append("<td data-v=\"").append(v).append("\">").append(String.format(Locale.ROOT, c.format, v)).append("</td>");
                } else {
                    b.append("<td data-v=\"\"></td>");
                }
            }
            b.append("<td>").append(html(front(i, kldFront, pplFront))).append("</td></tr>\n");
        }
        return b.append("</tbody>\n</table>\n").toString();
    }

    private static String comparisonMarkdown(FileComparison fc, List<Integer> kldFront, List<Integer> pplFront) {
        List<Col> cols = comparisonColumns(fc);
        StringBuilder b = new StringBuilder("## Equal-memory comparison\n\n| model / variant |");
        for (Col c : cols) b.append(' ').append(c.header).append(" |");
        b.append(" Pareto front |\n|---|");
        for (int i = 0; i < cols.size(); i++) b.append("---:|");
        b.append("---|\n");
        for (int i = 0; i < fc.lines().size(); i++) {
            FileComparison.Line l = fc.lines().get(i);
            b.append("| ").append(l.label().replace("|", "\\|")).append(" |");
            for (Col c : cols) {
                double v = c.value.applyAsDouble(l) * c.scale;
                b.append(' ').append(Double.isFinite(v) ? String.format(Locale.ROOT, c.format, v) : "").append(" |");
            }
            b.append(' ').append(front(i, kldFront, pplFront)).append(" |\n");
        }
        return b.append('\n').toString();
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

    private static final Pattern TENSOR = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight");
    /** The linears in a block's order, for the heatmap's columns; other kinds follow by name. */
    private static final List<String> KINDS = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");

    /**
     * trit sensitivity by tensor: one layer × tensor-kind heatmap of mean KLD per (model, type), on a page of
     * its own (sensitivity.html), linked from the index.
     */
    private void sensitivityPage() throws IOException {
        List<ResultRow> rows = table.where(r -> r.metric().equals(Metrics.KLD_MEAN) && TENSOR.matcher(r.scope()).matches() && Double.isFinite(r.value()));
        if (rows.isEmpty()) {
            missing.add("layer sensitivity heatmap (" + Metrics.KLD_MEAN + " per tensor blk.N.KIND.weight, from trit sensitivity --by tensor)");
            return;
        }
        Map<String, List<ResultRow>> by = new TreeMap<>();
        for (ResultRow r : rows) by.computeIfAbsent(label(r), k -> new ArrayList<>()).add(r);
        int mark = sections.length();
        for (Map.Entry<String, List<ResultRow>> e : by.entrySet()) heatmap(e.getKey(), e.getValue());
        String part = sections.substring(mark);
        sections.setLength(mark);
        sections.append("<section id=\"sensitivity\">\n<h2>Layer sensitivity</h2>\n<p><a href=\"sensitivity.html\">")
                .append(html("Layer × tensor-kind heatmaps of the KLD each tensor alone causes when quantized (" + by.size() + " model/type"
                        + (by.size() == 1 ? "" : "s") + ")"))
                .append("</a></p>\n</section>\n");
        String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>trit report: layer sensitivity</title>\n<style>\n"
                + "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\n"
                + "img{max-width:100%;height:auto;border:1px solid #ddd}\nfigcaption{color:#555;margin:.4em 0 1.5em}\n</style>\n</head>\n<body>\n"
                + "<h1>Layer sensitivity</h1>\n<p><a href=\"index.html\">Back to the report</a></p>\n<p>"
                + html("trit sensitivity quantizes one tensor at a time to the type named, everything else at the source precision, and "
                + "measures the mean KL-divergence from the source over the full vocabulary on the same text windows. Darker cells hurt more.")
                + "</p>\n" + part + "</body>\n</html>\n";
        Gate.writeAtomically(dir.resolve("sensitivity.html"), page);
    }

    private void heatmap(String label, List<ResultRow> rows) throws IOException {
        List<String> kinds = new ArrayList<>();
        int layers = 0;
        for (ResultRow r : rows) {
            Matcher m = TENSOR.matcher(r.scope());
            m.matches();
            layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            if (!kinds.contains(m.group(2))) kinds.add(m.group(2));
        }
        kinds.sort(Comparator.comparingInt((String k) -> KINDS.contains(k) ? KINDS.indexOf(k) : KINDS.size()).thenComparing(k -> k));
        double[] xs = new double[rows.size()], ys = new double[rows.size()], zs = new double[rows.size()];
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < rows.size(); i++) {
            Matcher m = TENSOR.matcher(rows.get(i).scope());
            m.matches();
            xs[i] = kinds.indexOf(m.group(2));
            ys[i] = Integer.parseInt(m.group(1));
            // log10 of the KLD: the spread is decades; KLD at or below 0 (a lossless type) shows as the lowest colour
            zs[i] = Math.log10(Math.max(rows.get(i).value(), 1e-9));
            lo = Math.min(lo, zs[i]);
            hi = Math.max(hi, zs[i]);
        }
        if (hi <= lo) hi = lo + 1;
        org.jfree.data.xy.DefaultXYZDataset d = new org.jfree.data.xy.DefaultXYZDataset();
        d.addSeries("kld", new double[][]{xs, ys, zs});
        org.jfree.chart.axis.SymbolAxis x = new org.jfree.chart.axis.SymbolAxis("Tensor kind", kinds.toArray(String[]::new));
        x.setGridBandsVisible(false);
        NumberAxis y = new NumberAxis("Layer");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        y.setRange(-0.5, layers - 0.5);
        y.setInverted(true);
        org.jfree.chart.renderer.xy.XYBlockRenderer r = new org.jfree.chart.renderer.xy.XYBlockRenderer();
        double from = lo, to = hi;
        org.jfree.chart.renderer.PaintScale scale = new org.jfree.chart.renderer.PaintScale() {
            @Override
            public double getLowerBound() {
                return from;
            }

            @Override
            public double getUpperBound() {
                return to;
            }

            @Override
            public java.awt.Paint getPaint(double v) {
                double f = Math.max(0, Math.min(1, (v - from) / (to - from)));
                // white-yellow to dark red
                return new Color((int) Math.round(255 - 120 * f), (int) Math.round(245 - 225 * f), (int) Math.round(200 - 180 * f));
            }
        };
        r.setPaintScale(scale);
        XYPlot p = new XYPlot(d, x, y, r);
        JFreeChart c = new JFreeChart("Sensitivity: mean KLD per tensor (" + label + ")", TITLE, p, false);
        NumberAxis legendAxis = new NumberAxis("log10 mean KLD (nats)");
        legendAxis.setRange(lo, hi);
        org.jfree.chart.title.PaintScaleLegend legend = new org.jfree.chart.title.PaintScaleLegend(scale, legendAxis);
        legend.setPosition(org.jfree.chart.ui.RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        c.addSubtitle(legend);
        String name = "sensitivity-" + label.replaceAll("[^A-Za-z0-9._-]+", "_");
        save(style(c), name, "Layer sensitivity: " + label,
                "Each cell: the mean KL-divergence from the source (full vocabulary, log scale) when only that tensor is quantized to "
                        + label.replaceFirst(".* / ", "") + ", everything else at the source precision (trit sensitivity --by tensor).");
    }

    /** Labels (model / variant) of files trit convert --plan wrote: those with a planned_tensors row. */
    private java.util.Set<String> plans() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (ResultRow r : table.rows()) {
            if (r.metric().equals(Metrics.PLANNED_TENSORS) && r.scope().isEmpty() && r.value() > 0) out.add(label(r));
        }
        return out;
    }

    /**
     * Mixed-precision plans beside the uniform types: files trit convert --plan wrote (a planned_tensors row,
     * as trit compare writes for such a file) and every other file, mean KLD against size, each point labelled,
     * on a page of its own (plan.html), linked from the index. The plans are also marked "(plan)" in the
     * equal-memory charts.
     */
    private void planPage() throws IOException {
        java.util.Set<String> plans = plans();
        FileComparison fc = FileComparison.of(table);
        List<FileComparison.Line> lines = fc.lines();
        boolean any = lines.stream().anyMatch(l -> plans.contains(l.label()) && Double.isFinite(l.sizeBytes()) && l.kld() > 0);
        if (!any) {
            missing.add("mixed-precision plans beside the uniform types (a file from trit convert --plan measured by trit compare: "
                    + Metrics.PLANNED_TENSORS + ", " + Metrics.KLD_MEAN + " and " + Metrics.SIZE_BYTES + ")");
            return;
        }
        int n = lines.size();
        double[] mb = new double[n], kld = new double[n];
        for (int i = 0; i < n; i++) {
            mb[i] = lines.get(i).sizeBytes() / 1e6;
            kld[i] = lines.get(i).kld() > 0 ? lines.get(i).kld() : Double.NaN;
        }
        List<Integer> front = ParetoFront.of(mb, kld);
        int mark = sections.length();
        qualitySizeChart("plan-size-kld", "Mixed-precision plans beside the uniform types", "Mean KL divergence from the baseline (nats, lower is better)",
                lines, mb, kld, front, "Each point is one model file, labelled; files trit convert --plan wrote are the series \"plan\" and "
                        + "marked (plan), every other file is \"uniform type\". Mean KL-divergence from the baseline on the same text against "
                        + "file size; the dashed line joins the Pareto front. A plan below the uniform types at its size is worth its mixture.",
                l -> plans.contains(l.label()) ? "plan" : "uniform type");
        String part = sections.substring(mark);
        sections.setLength(mark);
        sections.append("<section id=\"plan\">\n<h2>Mixed-precision plans</h2>\n<p><a href=\"plan.html\">")
                .append(html(plans.size() + " planned file" + (plans.size() == 1 ? "" : "s") + " beside the uniform types: mean KLD against size"))
                .append("</a></p>\n</section>\n");
        page("plan.html", "Mixed-precision plans", "trit plan chooses a type per tensor under a size budget from the sensitivity table; "
                + "trit convert --plan writes the file. Here each planned file, measured against the baseline as every other file, sits "
                + "beside the uniform types on the equal-memory chart.", part);
    }

    private void page(String file, String title, String intro, String body) throws IOException {
        String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>trit report: " + html(title.toLowerCase(Locale.ROOT))
                + "</title>\n<style>\n"
                + "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\n"
                + "img{max-width:100%;height:auto;border:1px solid #ddd}\nfigcaption{color:#555;margin:.4em 0 1.5em}\n</style>\n</head>\n<body>\n"
                + "<h1>" + html(title) + "</h1>\n<p><a href=\"index.html\">Back to the report</a></p>\n<p>" + html(intro) + "</p>\n" + body
                + "</body>\n</html>\n";
        Gate.writeAtomically(dir.resolve(file), page);
    }

    /** "model.layers.3.mlp.down_proj" as "L3 down_proj"; lm_head stays. */
    private static String shortLinear(String module) {
        Matcher m = Pattern.compile("model\\.layers\\.(\\d+)\\.(?:self_attn|mlp)\\.(\\w+)").matcher(module);
        return m.matches() ? "L" + m.group(1) + " " + m.group(2) : module;
    }

    /**
     * trit activations: per model, the three activation quantizers' errors per linear (from the act_* rows of
     * the table: trit activations --json, or the summary of an --out file given to trit report), and, where
     * the per-linear arrays were given (an --out Arrow file), each linear's channel absmax by channel index
     * with the outlier threshold (log scale) and the histogram of its per-token absmax. On activations.html.
     */
    private void activationsPage() throws IOException {
        List<String> metrics = List.of(Metrics.ACT_INT8_TOKEN_MSE, Metrics.ACT_INT4_TOKEN_MSE, Metrics.ACT_INT8_TENSOR_MSE);
        List<ResultRow> rows = table.where(r -> metrics.contains(r.metric()) && !r.scope().isEmpty() && Double.isFinite(r.value()));
        if (rows.isEmpty() && activations.isEmpty()) {
            missing.add("activation statistics (" + String.join(", ", metrics) + " per linear, from trit activations --json or --out)");
            return;
        }
        int mark = sections.length();
        Map<String, List<ResultRow>> by = new TreeMap<>();
        for (ResultRow r : rows) by.computeIfAbsent(label(r), k -> new ArrayList<>()).add(r);
        for (Map.Entry<String, List<ResultRow>> e : by.entrySet()) {
            DefaultCategoryDataset d = new DefaultCategoryDataset();
            double lo = Double.POSITIVE_INFINITY, hi = 0;
            for (ResultRow r : e.getValue()) {
                String series = switch (r.metric()) {
                    case Metrics.ACT_INT8_TOKEN_MSE -> "int8 per token (BitNet b1.58)";
                    case Metrics.ACT_INT4_TOKEN_MSE -> "4-bit per token (BitNet a4.8)";
                    default -> "int8 per tensor";
                };
                if (r.value() <= 0) continue;
                d.addValue(r.value(), series, shortLinear(r.scope()));
                lo = Math.min(lo, r.value());
                hi = Math.max(hi, r.value());
            }
            if (d.getColumnCount() == 0) continue;
            JFreeChart c = ChartFactory.createLineChart("Activation quantizer error per linear (" + e.getKey() + ")", "Linear (forward order)",
                    "Mean squared error (activation², log)", d);
            CategoryPlot p = c.getCategoryPlot();
            LogAxis y = new LogAxis("Mean squared error (activation², log)");
            y.setBase(10);
            y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
            y.setSmallestValue(lo / 10);
            y.setNumberFormatOverride(new java.text.DecimalFormat("0.#E0"));
            p.setRangeAxis(y);
            org.jfree.chart.renderer.category.LineAndShapeRenderer lr = new org.jfree.chart.renderer.category.LineAndShapeRenderer(true, true);
            p.setRenderer(lr);
            save(style(c), "act-error-" + slug(e.getKey()), "Activation quantizer error: " + e.getKey(),
                    "For every linear's input, in the forward order of the layers: the mean squared error of per-token int8 absmax "
                            + "quantization (BitNet b1.58's activation quantizer), per-token 4-bit absmax (BitNet a4.8: scale 7, clamp [-8, 7]) "
                            + "and one int8 absmax scale per window (per tensor), log scale (trit activations).");
        }
        for (Map.Entry<String, List<LinearActivations>> e : activations.entrySet()) {
            for (LinearActivations a : e.getValue()) {
                channelChart(e.getKey(), a);
                tokenChart(e.getKey(), a);
            }
        }
        if (activations.isEmpty()) {
            missing.add("per-linear outlier channel plots and token absmax histograms (give trit report the Arrow file of trit activations --out)");
        }
        String part = sections.substring(mark);
        sections.setLength(mark);
        sections.append("<section id=\"activations\">\n<h2>Activation statistics</h2>\n<p><a href=\"activations.html\">")
                .append(html("Activation quantizer errors per linear" + (activations.isEmpty() ? "" : ", outlier channels and token absmax per linear")
                        + " (" + Math.max(by.size(), activations.size()) + " model" + (Math.max(by.size(), activations.size()) == 1 ? "" : "s") + ")"))
                .append("</a></p>\n</section>\n");
        page("activations.html", "Activation statistics", "trit activations records every linear's input over the text: per-token and "
                + "per-channel absmax, outlier channels (absmax above " + (int) ActivationStats.OUTLIER_FACTOR + "× the median channel absmax) "
                + "and the error of three activation quantizers.", part);
    }

    private static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]+", "_");
    }

    /** One linear's channel absmax by channel index (log), outliers in their own series, the threshold dashed. */
    private void channelChart(String model, LinearActivations a) throws IOException {
        XYSeries normal = new XYSeries("channel absmax", false), out = new XYSeries("outlier channels", false);
        java.util.Set<Integer> outliers = new java.util.HashSet<>();
        for (int c : a.outliers()) outliers.add(c);
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int c = 0; c < a.chanAbsmax().length; c++) {
            double v = a.chanAbsmax()[c];
            if (!(v > 0)) continue;
            (outliers.contains(c) ? out : normal).add(c, v);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double threshold = ActivationStats.OUTLIER_FACTOR * a.medianChanAbsmax();
        XYSeries t = new XYSeries("outlier threshold (" + (int) ActivationStats.OUTLIER_FACTOR + "× median)", false);
        t.add(0, threshold);
        t.add(Math.max(1, a.cols() - 1), threshold);
        XYSeriesCollection d = new XYSeriesCollection();
        d.addSeries(normal);
        d.addSeries(out);
        d.addSeries(t);
        JFreeChart c = ChartFactory.createScatterPlot("Channel absmax: " + shortLinear(a.name()) + " (" + model + ")", "Input channel",
                "Channel absmax (log)", d, PlotOrientation.VERTICAL, true, false, false);
        XYPlot p = c.getXYPlot();
        LogAxis y = new LogAxis("Channel absmax (log)");
        y.setBase(10);
        y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
        y.setSmallestValue(Math.min(lo, threshold) / 2);
        y.setNumberFormatOverride(new java.text.DecimalFormat("0.###E0"));
        if (hi > 0) y.setRange(Math.min(lo, threshold) / 1.5, Math.max(hi, threshold) * 1.5);
        p.setRangeAxis(y);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        java.awt.Shape dot = new java.awt.geom.Ellipse2D.Double(-1.5, -1.5, 3, 3);
        r.setSeriesShape(0, dot);
        r.setSeriesPaint(0, new Color(0x43, 0x93, 0xC3));
        r.setSeriesShape(1, new java.awt.geom.Ellipse2D.Double(-3.5, -3.5, 7, 7));
        r.setSeriesPaint(1, new Color(0xD6, 0x60, 0x4D));
        r.setSeriesLinesVisible(2, true);
        r.setSeriesShapesVisible(2, false);
        r.setSeriesPaint(2, Color.DARK_GRAY);
        r.setSeriesStroke(2, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[]{6f, 4f}, 0f));
        p.setRenderer(r);
        save(style(c), "act-chan-" + slug(model) + "-" + slug(a.name()), "Outlier channels: " + shortLinear(a.name()) + " (" + model + ")",
                "max over tokens of |X[t,c]| for each input channel c of " + a.name() + " (" + a.cols() + " channels, " + a.tokens()
                        + " tokens), log scale; " + a.outliers().length + " outlier channel" + (a.outliers().length == 1 ? "" : "s")
                        + " above the dashed line, " + (int) ActivationStats.OUTLIER_FACTOR + "× the median channel absmax.");
    }

    /** Histogram of one linear's per-token absmax over log10-spaced bins. */
    private void tokenChart(String model, LinearActivations a) throws IOException {
        float[] v = a.tokenAbsmax();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (float f : v) {
            if (f > 0) {
                lo = Math.min(lo, f);
                hi = Math.max(hi, f);
            }
        }
        if (!(hi > 0)) return;
        int bins = 40;
        double l0 = Math.log10(lo), l1 = Math.max(Math.log10(hi), l0 + 1e-6);
        double[] counts = new double[bins];
        for (float f : v) {
            if (!(f > 0)) continue;
            counts[Math.min(bins - 1, (int) ((Math.log10(f) - l0) / (l1 - l0) * bins))]++;
        }
        org.jfree.data.xy.XYIntervalSeries s = new org.jfree.data.xy.XYIntervalSeries("tokens");
        for (int b = 0; b < bins; b++) {
            double x0 = Math.pow(10, l0 + (l1 - l0) * b / bins), x1 = Math.pow(10, l0 + (l1 - l0) * (b + 1) / bins);
            s.add(Math.sqrt(x0 * x1), x0, x1, counts[b], counts[b], counts[b]);
        }
        org.jfree.data.xy.XYIntervalSeriesCollection d = new org.jfree.data.xy.XYIntervalSeriesCollection();
        d.addSeries(s);
        LogAxis x = new LogAxis("Per-token absmax a_t (log)");
        x.setBase(10);
        x.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(0.2));
        x.setSmallestValue(lo / 2);
        x.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
        x.setRange(lo / 1.2, hi * 1.2);
        org.jfree.chart.renderer.xy.XYBarRenderer r = new org.jfree.chart.renderer.xy.XYBarRenderer();
        r.setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, new Color(0x43, 0x93, 0xC3));
        XYPlot p = new XYPlot(d, x, new NumberAxis("Tokens"), r);
        JFreeChart c = new JFreeChart("Token absmax: " + shortLinear(a.name()) + " (" + model + ")", TITLE, p, false);
        save(style(c), "act-tok-" + slug(model) + "-" + slug(a.name()), "Token absmax: " + shortLinear(a.name()) + " (" + model + ")",
                "Distribution of a_t = max over channels of |X[t,c]| over the " + a.tokens() + " tokens seen by " + a.name()
                        + " (every window's rows, BOS included), 40 log-spaced bins; the per-token int8 scale is 127 / a_t.");
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
                .append("th:first-child,td:first-child{text-align:left}\n")
                .append("table.sortable th{cursor:pointer}table.sortable th[aria-sort=ascending]::after{content:\" \\25B2\"}")
                .append("table.sortable th[aria-sort=descending]::after{content:\" \\25BC\"}\n</style>\n</head>\n<body>\n<h1>trit report</h1>\n");
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
        b.append("<section>\n<h2>Summary</h2>\n").append(summaryHtml()).append("</section>\n").append(SORT_SCRIPT)
                .append("</body>\n</html>\n");
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
        StringBuilder b = new StringBuilder("<table class=\"sortable\" id=\"summary\">\n<thead><tr><th>model / variant</th>");
        for (String s : SUMMARY) b.append("<th>").append(html(s)).append(" (").append(html(Metrics.unit(s))).append(")</th>");
        b.append("</tr></thead>\n<tbody>\n");
        summary().forEach((k, v) -> {
            b.append("<tr><td>").append(html(k)).append("</td>");
            for (String s : SUMMARY) {
                Double x = v.get(s);
                b.append("<td data-v=\"").append(x == null || !Double.isFinite(x) ? "" : x.toString()).append("\">")
                        .append(x == null ? "" : num(x)).append("</td>");
            }
            b.append("</tr>\n");
        });
        return b.append("</tbody>\n</table>\n").toString();
    }

    private void writeMarkdown() throws IOException {
        StringBuilder b = new StringBuilder("# trit report\n\n");
        for (String n : notes) {
            if (n.startsWith("  ")) b.append("```\n").append(n).append("\n```\n\n");
            else b.append(n).append("\n\n");
        }
        b.append(comparisonMarkdown);
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
