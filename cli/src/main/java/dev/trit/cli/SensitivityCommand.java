package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.analysis.Sensitivity;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.formats.GgmlType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code trit sensitivity}: KLD and Δ perplexity of quantizing one tensor, layer or kind at a time. */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = {"Quantize one unit of MODEL at a time (a tensor, all linears of a layer,",
                "one kind across layers, or the whole model) to --type, everything else at",
                "the source precision, and measure the mean KL-divergence (full vocabulary)",
                "and PPL(unit quantized) - PPL(source) on the same windows of TEXT.",
                "In memory, no files: a unit's matrices are replaced by their quantize ->",
                "dequantize round trip, exactly what trit convert would write. The source's",
                "distributions (and, within 1 GiB, its residual stream at every layer) are",
                "computed once and reused: layers below a unit are not recomputed.",
                "A BitNet checkpoint with latent weights (online) is measured with",
                "--source latent: the latent weights un-ternarized are the source, and a",
                "unit at tq1_0/tq2_0 is ternarized as the model does at load (absmean)."})
final class SensitivityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    SourceOption source;

    @Parameters(index = "0", paramLabel = "MODEL", description = "HF directory or GGUF file at full precision (F16/BF16/F32)")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    @Option(names = {"-t", "--type"}, required = true, paramLabel = "T", description = "q2_k, q3_k, q4_k, q5_k, q6_k, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl, tq1_0, tq2_0, f16")
    String type;

    @Option(names = "--by", paramLabel = "UNIT", description = "tensor (default), layer, kind or model")
    String by = "tensor";

    @Mixin
    Windows windows;

    @Option(names = "--json", description = "print the results as one JSON object")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "also write kld_mean, delta_ppl, bytes_saved per unit as a result table (.arrow: Arrow IPC, else JSON)")
    Path out;

    /** Window options of sensitivity and plan. */
    static final class Windows {
        @Option(names = "--windows", paramLabel = "N", description = "text windows to measure on (default ${DEFAULT-VALUE})")
        int count = 4;

        @Option(names = "--skip-windows", paramLabel = "K", description = "start at window K (default 0): windows [K, K+N)")
        int skip;

        @Option(names = "--ctx", paramLabel = "N", description = "context per window (default ${DEFAULT-VALUE})")
        int ctx = 256;

        @Option(names = "--protocol", paramLabel = "P", description = "hf or llama-cpp (default ${DEFAULT-VALUE})")
        String protocol = "hf";

        EvalWindow.Protocol check() {
            EvalWindow.Protocol p = KldCommand.protocol(protocol);
            if (ctx < 4) throw new Main.UsageException("--ctx must be at least 4");
            if (count < 1) throw new Main.UsageException("--windows must be at least 1");
            if (skip < 0) throw new Main.UsageException("--skip-windows must not be negative");
            return p;
        }

        List<EvalWindow> cut(LoadedModel lm, Path text) throws java.io.IOException {
            List<EvalWindow> all = KldCommand.windows(lm, PplCommand.readText(text), ctx, check(), skip + count, text);
            if (all.size() <= skip) throw new Main.FailureException(text + ": " + all.size() + " windows of " + ctx + ", none after --skip-windows " + skip);
            return all.subList(skip, all.size());
        }
    }

    static GgmlType parseType(String t, String option) {
        return Sensitivity.parseType(t).orElseThrow(() -> new Main.UsageException(option + " " + t + " is not a type sensitivity can measure ("
                + Sensitivity.typeNames() + ")"));
    }

    static Sensitivity.By parseBy(String b) {
        return switch (b.toLowerCase(Locale.ROOT)) {
            case "tensor" -> Sensitivity.By.TENSOR;
            case "layer" -> Sensitivity.By.LAYER;
            case "kind" -> Sensitivity.By.KIND;
            case "model" -> Sensitivity.By.MODEL;
            default -> throw new Main.UsageException("--by must be tensor, layer, kind or model, not " + b);
        };
    }

    /** The residual cache's budget: 1 GiB or a quarter of the heap, whichever is smaller. */
    static long residualBudget() {
        return Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);
    }

    /** Runs the source once, reporting on stderr. */
    static Sensitivity prepare(LoadedModel lm, List<EvalWindow> ws, PrintWriter err, String what) {
        long t0 = System.nanoTime();
        Sensitivity s = new Sensitivity(lm.transformer(), ws, residualBudget());
        err.printf(Locale.ROOT, "%s: source over %d windows of %d in %.1f s%s%n", what, ws.size(), ws.get(0).input().length + 1,
                (System.nanoTime() - t0) / 1e9, s.cachesResiduals() ? "" : " (residual stream over 1 GiB: not cached, units run from the embedding)");
        err.flush();
        return s;
    }

    /** Measures each (unit, type), printing units done/total and an ETA on stderr. */
    static List<Sensitivity.Outcome> measure(Sensitivity s, List<Sensitivity.Unit> units, List<GgmlType> types, PrintWriter err, String what) {
        List<Sensitivity.Outcome> out = new ArrayList<>();
        int total = units.size(), done = 0;
        long t0 = System.nanoTime(), last = t0;
        for (int i = 0; i < units.size(); i++) {
            out.add(s.measure(units.get(i), types.get(i)));
            done++;
            long now = System.nanoTime();
            if (now - last < 1_000_000_000L && done < total) continue;
            last = now;
            double el = (now - t0) / 1e9;
            err.printf(Locale.ROOT, "\r%s: %d/%d units, %.0f s elapsed, ETA %.0f s   ", what, done, total, el, el / done * (total - done));
            err.flush();
        }
        err.println();
        err.flush();
        return out;
    }

    @Override
    public Integer call() throws Exception {
        GgmlType t = parseType(type, "--type");
        Sensitivity.By b = parseBy(by);
        windows.check();
        source.latent();
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        List<Sensitivity.Outcome> results;
        int nWindows;
        try (var pool = engine.pool(); LoadedModel lm = source.open(model, pool)) {
            List<EvalWindow> ws = windows.cut(lm, text);
            nWindows = ws.size();
            Sensitivity s;
            try {
                s = prepare(lm, ws, err, "sensitivity");
            } catch (IllegalArgumentException e) {
                throw new Main.FailureException(model + ": " + e.getMessage());
            }
            List<Sensitivity.Unit> units = s.units(b, t);
            try {
                results = measure(s, units, java.util.Collections.nCopies(units.size(), t), err, "sensitivity");
            } catch (IllegalArgumentException e) {
                throw new Main.FailureException(model + ": " + e.getMessage());
            }
        }
        if (out != null) EvalResults.write(out, Sensitivity.rows(EvalResults.modelName(model), EvalResults.textName(text), results));
        if (json) printJson(o, results, nWindows);
        else printText(o, results);
        o.flush();
        return Main.OK;
    }

    private void printText(PrintWriter o, List<Sensitivity.Outcome> rs) {
        String fmt = "%-28s %-7s %12s %10s %12s %12s%n";
        o.printf(Locale.ROOT, fmt, "unit", "type", "kld_mean", "± stderr", "delta_ppl", "bytes_saved");
        for (Sensitivity.Outcome r : rs) {
            o.printf(Locale.ROOT, fmt, r.unit().name(), r.type().label().toLowerCase(Locale.ROOT), String.format(Locale.ROOT, "%.6f", r.kld()),
                    String.format(Locale.ROOT, "%.6f", r.kldStderr()), String.format(Locale.ROOT, "%+.5f", r.deltaPpl()),
                    String.format(Locale.ROOT, "%,d", r.bytesSaved()));
        }
    }

    private void printJson(PrintWriter o, List<Sensitivity.Outcome> rs, int nWindows) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("model", model.toString());
        root.put("text", text.toString());
        root.put("type", type.toLowerCase(Locale.ROOT));
        root.put("source", source.source);
        root.put("by", by.toLowerCase(Locale.ROOT));
        root.put("windows", nWindows);
        root.put("first_window", windows.skip);
        root.put("ctx", windows.ctx);
        ArrayNode a = root.putArray("units");
        for (Sensitivity.Outcome r : rs) {
            ObjectNode u = a.addObject();
            u.put("unit", r.unit().name());
            u.put("type", r.type().label().toLowerCase(Locale.ROOT));
            KldCommand.number(u, "kld_mean", r.kld());
            KldCommand.number(u, "kld_mean_stderr", r.kldStderr());
            KldCommand.number(u, "delta_ppl", r.deltaPpl());
            u.put("bytes_saved", r.bytesSaved());
            u.put("tokens", r.tokens());
        }
        o.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}
