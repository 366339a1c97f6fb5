package dev.trit.cli;

import dev.trit.analysis.MixPlan;
import dev.trit.analysis.Sensitivity;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.formats.GgmlType;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code trit plan}: per-tensor types minimizing summed single-tensor KLD under a size budget. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Measure every tensor's sensitivity (trit sensitivity --by tensor) at each",
                "candidate type, then choose one type per tensor minimizing the summed KLD",
                "under the budget: an exact multiple-choice knapsack (dynamic programming",
                "over a size grid). Writes the plan trit convert --plan applies.",
                "The budget counts the planned tensors (every linear and token_embd/output)."})
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    static final class Budget {
        @Option(names = "--budget", paramLabel = "BPW", description = "bits per weight of the planned tensors, e.g. 3.0bpw")
        String bpw;

        @Option(names = "--size", paramLabel = "SIZE", description = "bytes of the planned tensors, e.g. 900MB or 2359296")
        String size;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Budget budget;

    @Option(names = "--types", paramLabel = "T,...", split = ",", description = "candidate types (default q2_k,q3_k,q4_k,q5_k,q6_k,q8_0)")
    List<String> types = List.of("q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_0");

    @Mixin
    SensitivityCommand.Windows windows;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the plan (JSON)")
    Path out;

    @Option(names = "--results", paramLabel = "FILE", description = "also write the sensitivity table (.arrow or JSON)")
    Path results;

    private static final Pattern BPW = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(bpw)?\\s*");

    @Override
    public Integer call() throws Exception {
        List<GgmlType> cand = new ArrayList<>();
        for (String t : types) {
            GgmlType g = SensitivityCommand.parseType(t, "--types");
            if (!cand.contains(g)) cand.add(g);
        }
        windows.check();
        double bpw = Double.NaN;
        long sizeBytes = -1;
        if (budget.bpw != null) {
            Matcher m = BPW.matcher(budget.bpw);
            if (!m.matches() || Double.parseDouble(m.group(1)) <= 0) throw new Main.UsageException("--budget " + budget.bpw + " is not bits per weight like 3.0bpw");
            bpw = Double.parseDouble(m.group(1));
        } else {
            sizeBytes = ConvertCommand.size(budget.size, "--size");
        }
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        MixPlan plan;
        List<Sensitivity.Outcome> outcomes;
        try (var pool = engine.pool(); LoadedModel lm = EngineOptions.open(model, pool)) {
            List<EvalWindow> ws = windows.cut(lm, text);
            // the tensors and their sizes come from the model alone: check the budget before measuring
            Sensitivity s;
            try {
                s = SensitivityCommand.prepare(lm, ws, err, "plan");
            } catch (IllegalArgumentException e) {
                throw new Main.FailureException(model + ": " + e.getMessage());
            }
            List<Sensitivity.Tensor> ts = s.tensors();
            long elements = ts.stream().mapToLong(Sensitivity.Tensor::elements).sum();
            long limit = sizeBytes >= 0 ? sizeBytes : (long) Math.floor(bpw * elements / 8);
            Map<String, Map<GgmlType, Long>> bytes = new LinkedHashMap<>();
            List<Sensitivity.Unit> units = new ArrayList<>();
            List<GgmlType> unitTypes = new ArrayList<>();
            for (GgmlType g : cand) {
                for (Sensitivity.Unit u : s.units(Sensitivity.By.TENSOR, g)) {
                    Sensitivity.Tensor t = u.tensors().getFirst();
                    bytes.computeIfAbsent(t.name(), k -> new LinkedHashMap<>()).put(g, t.bytes(g));
                    units.add(u);
                    unitTypes.add(g);
                }
            }
            List<MixPlan.Item> sizeOnly = new ArrayList<>();
            bytes.forEach((k, v) -> sizeOnly.add(new MixPlan.Item(k, v, Map.of())));
            long min = MixPlan.minimumBytes(sizeOnly);
            if (limit < min) {
                throw new Main.FailureException(String.format(Locale.ROOT, "budget of %,d bytes (%.3f bpw) is below the smallest possible plan, %,d bytes (%.3f bpw: every tensor at its smallest type)",
                        limit, 8.0 * limit / elements, min, 8.0 * min / elements));
            }
            outcomes = SensitivityCommand.measure(s, units, unitTypes, err, "plan");
            Map<String, Map<GgmlType, Double>> kld = new LinkedHashMap<>();
            for (Sensitivity.Outcome r : outcomes) kld.computeIfAbsent(r.unit().name(), k -> new LinkedHashMap<>()).put(r.type(), r.kld());
            List<MixPlan.Item> items = new ArrayList<>();
            bytes.forEach((k, v) -> items.add(new MixPlan.Item(k, v, kld.get(k))));
            Map<String, String> info = new LinkedHashMap<>();
            info.put("model", model.toString());
            info.put("text", text.toString());
            info.put("first_window", Integer.toString(windows.skip));
            info.put("windows", Integer.toString(ws.size()));
            info.put("ctx", Integer.toString(windows.ctx));
            info.put("protocol", windows.protocol);
            info.put("types", String.join(",", cand.stream().map(g -> g.label().toLowerCase(Locale.ROOT)).toList()));
            info.put("elements", Long.toString(elements));
            plan = MixPlan.choose(items, limit, info);
            plan.write(out);
            Map<GgmlType, Integer> count = new LinkedHashMap<>();
            plan.types().values().forEach(g -> count.merge(g, 1, Integer::sum));
            o.printf(Locale.ROOT, "wrote %s: %d tensors, %,d bytes (%.3f bpw) of a budget of %,d, predicted summed KLD %.6f%n", out, plan.types().size(),
                    plan.predictedBytes(), 8.0 * plan.predictedBytes() / elements, limit, plan.predictedKld());
            count.forEach((g, n) -> o.printf(Locale.ROOT, "  %-6s %d tensors%n", g.label().toLowerCase(Locale.ROOT), n));
        }
        if (results != null) EvalResults.write(results, Sensitivity.rows(EvalResults.modelName(model), EvalResults.textName(text), outcomes));
        o.flush();
        return Main.OK;
    }
}
