package dev.trit.cli;

import dev.trit.analysis.EnergyModel;
import dev.trit.analysis.EntropyCoders;
import dev.trit.analysis.MatvecBench;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ModelAnalysis;
import dev.trit.analysis.ModelAnalyzer;
import dev.trit.analysis.Rapl;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import dev.trit.analysis.StorageLayout;
import dev.trit.analysis.TensorAnalysis;
import dev.trit.analysis.TritStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code trit analyze}: the ternary weights of a model, their storage cost, and an energy estimate. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Per layer and tensor: share of -1/0/+1, scale, entropy, bits per weight of each storage layout,",
                "measured compressed size (LZMA2, DEFLATE), ternarization error of latent weights; and the",
                "arithmetic energy per token (BitNet papers' 45 nm / 7 nm per-operation energies).",
                "MODEL is a Hugging Face model directory or a .gguf file."})
final class AnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "model directory or .gguf file")
    Path model;

    @Option(names = "--json", description = "print the result rows as JSON (schema trit.results/1) instead of tables")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "also write DIR/<model>.analysis.arrow (Arrow IPC) and .json")
    Path out;

    @Option(names = "--context", paramLabel = "N", defaultValue = "256",
            description = "context position of the token priced by the energy model (default ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--no-compress", description = "skip the (slow) compression measurement")
    boolean noCompress;

    @Option(names = "--bench-tokens", paramLabel = "N", defaultValue = "4",
            description = "tokens of the matvec bench measured with RAPL, when RAPL is readable (default ${DEFAULT-VALUE})")
    int benchTokens;

    @Override
    public Integer call() throws Exception {
        if (context <= 0) throw new Main.UsageException("--context must be positive");
        if (benchTokens < 0) throw new Main.UsageException("--bench-tokens must not be negative");
        ModelAnalysis a = ModelAnalyzer.analyze(model, !noCompress);
        List<ResultRow> rows = new ArrayList<>(a.toRows());
        rows.addAll(EnergyModel.rows(a.model(), a.shape(), context));
        StringBuilder why = new StringBuilder();
        Rapl rapl = Rapl.open(why);
        Optional<Double> joules = Optional.empty();
        if (rapl != null && benchTokens > 0) {
            joules = rapl.measure(() -> MatvecBench.run(a.tensors(), benchTokens));
            joules.ifPresent(j -> rows.add(ResultRow.of(a.model(), "ternary-matvec-bench", "rapl", "", Metrics.MEASURED_ENERGY_J, j)));
        }
        ResultTable table = new ResultTable(rows);
        if (out != null) {
            ResultFiles.writeArrow(table, out.resolve(a.model() + ".analysis.arrow"));
            ResultFiles.writeJson(table, out.resolve(a.model() + ".analysis.json"));
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(ResultFiles.toJson(table));
        } else {
            print(w, a, rows, joules, rapl == null ? "unavailable: " + why : null);
        }
        w.flush();
        return Main.OK;
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    private void print(PrintWriter w, ModelAnalysis a, List<ResultRow> rows, Optional<Double> joules, String raplNote) {
        w.println(f("%s (%s, %s): %d linear matrices, %,d tensor bytes, %,d parameters", a.model(), a.variant(),
                a.shape().architecture(), a.tensors().size(), a.totalBytes(), a.parameters()));
        w.println();
        String hdr = "%-44s %-11s %6s %6s %6s %9s %7s %9s %8s";
        w.println(f(hdr, "tensor", "stored", "-1", "0", "+1", "scale", "H bits", "mse", "cosine"));
        for (TensorAnalysis t : a.tensors()) {
            TritStats s = t.stats();
            w.println(f("%-44s %-11s %6.3f %6.3f %6.3f %9.5f %7.4f %9s %8s", t.name(), t.storedAs(), s.shareNeg(), s.shareZero(),
                    s.sharePos(), t.scale(), s.entropyBits(), Double.isNaN(t.mse()) ? "-" : f("%.3g", t.mse()),
                    Double.isNaN(t.cosine()) ? "-" : f("%.4f", t.cosine())));
        }
        TritStats all = a.totalStats();
        w.println(f("%-44s %-11s %6.3f %6.3f %6.3f %9s %7.4f", "all linear matrices", "", all.shareNeg(), all.shareZero(),
                all.sharePos(), "", all.entropyBits()));
        List<TensorAnalysis> valued = a.tensors().stream().filter(t -> t.ternaryScales() != null).toList();
        if (!valued.isEmpty()) {
            w.println();
            w.println(f("ternary-valued float matrices (%d of %d): every value exactly trit x scale; scales by region (stored \"... trits\" above):",
                    valued.size(), a.tensors().size()));
            for (TensorAnalysis t : valued) {
                w.println(f("  %-44s %s", t.name(), t.ternaryScales().describe()
                        + (t.fallbackLayouts().isEmpty() ? "" : "  (TQ1_0/TQ2_0 cannot hold it exactly: F16 there, as trit convert writes it)")));
            }
        }
        w.println();
        w.println("bits per weight of the linear matrices (log2(3) = 1.585; entropy of these trits "
                + f("%.4f", all.entropyBits()) + "):");
        for (ResultRow r : rows) {
            if (r.scope().equals(ModelAnalysis.SCOPE_LINEAR) && r.metric().equals(Metrics.BITS_PER_WEIGHT)) {
                boolean own = r.variant().equals(a.variant());
                long fell = a.tensors().stream().filter(t -> t.fallbackLayouts().stream().anyMatch(l -> l.label().equals(r.variant()))).count();
                w.println(f("  %-26s %7.4f%s", r.variant(), r.value(), own ? "  (as stored)"
                        : fell > 0 ? f("  (%d matrices at F16: their scales do not fit its blocks)", fell) : ""));
            }
        }
        long multi = valued.stream().filter(t -> t.ternaryScales().distinctScales().length > 1).count();
        if (multi > 0) {
            w.println(f("  %-26s %7s  (one scale per tensor: cannot hold the %d matrices with several)", "packed, I2_S", "-", multi));
        }
        for (ResultRow r : rows) {
            if (r.scope().equals(ModelAnalysis.SCOPE_LINEAR) && r.metric().equals(Metrics.CODED_BITS_PER_WEIGHT)) {
                double below = Math.log(3) / Math.log(2) - r.value();
                w.println(f("  %-26s %7.4f  (measured: %.4f %s log2(3))", r.variant(), r.value(), Math.abs(below),
                        below > 0 ? "below" : "above"));
            }
        }
        w.println();
        w.println(f("arithmetic energy per token at context %d (pJ):", context));
        for (EnergyModel.Node n : EnergyModel.Node.values()) {
            double fp = value(rows, "fp16", n.task(), Metrics.ENERGY_PJ_PER_TOKEN);
            double t = value(rows, "ternary", n.task(), Metrics.ENERGY_PJ_PER_TOKEN);
            double mr = value(rows, "fp16/ternary", n.task(), Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY);
            double pw = value(rows, "fp16/ternary per weight", n.task(), Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY);
            w.println(f("  %-5s FP16 %,14.0f   ternary %,14.0f   ratio %.2fx; matmul %.1fx (per weight %.1fx)", n.label, fp, t,
                    fp / t, mr, pw));
        }
        w.println(f("  paper's claim (BitNet b1.58, 7 nm, matmul arithmetic): %.1fx", EnergyModel.MATMUL_RATIO_CLAIM_7NM));
        w.println("measured energy (RAPL): " + (raplNote != null ? raplNote
                : joules.map(j -> f("%.3f J for a %d-token ternary matvec bench", j, benchTokens)).orElse("counter wrapped; no reading")));
        if (noCompress) w.println("(compression not measured: --no-compress)");
        else w.println("(compressed sizes: " + String.join(", ", java.util.Arrays.stream(EntropyCoders.values()).map(EntropyCoders::label).toList())
                + "; layouts: " + String.join(", ", java.util.Arrays.stream(StorageLayout.values()).map(StorageLayout::label).toList()) + ")");
    }

    private static double value(List<ResultRow> rows, String variant, String task, String metric) {
        for (ResultRow r : rows) {
            if (r.variant().equals(variant) && r.task().equals(task) && r.scope().isEmpty() && r.metric().equals(metric)) return r.value();
        }
        return Double.NaN;
    }
}
