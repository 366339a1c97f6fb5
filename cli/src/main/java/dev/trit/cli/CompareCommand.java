package dev.trit.cli;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import dev.trit.converters.Converter;
import dev.trit.converters.Progress;
import dev.trit.converters.TargetType;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.McDataset;
import dev.trit.engine.eval.McItem;
import dev.trit.engine.eval.McTask;
import dev.trit.reports.ReportBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code trit compare}: the side-by-side table of a paper — models against an FP16 baseline. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Measure an FP16 baseline and other models on the same text and print one line per",
                "model: size, bits per weight (whole file and linear layers), perplexity, KL-divergence",
                "and top-1 agreement against the baseline, optional accuracy and estimated energy.",
                "Windows as trit ppl --protocol hf (BOS + ctx-1 tokens, all scored); KLD as trit kld.",
                "--quants q8_0,... converts the baseline to each GGUF type (as trit convert --type, in a temporary",
                "folder) and adds the files beside the models: the equal-memory comparison (is the ternary model",
                "better than the 2-, 3- or 4-bit quant of an FP16 model of the same size?). --with-q8 is --quants q8_0.",
                "--report DIR also writes DIR/index.html and summary.md: quality against file size with the Pareto",
                "front and a sortable table (as trit report)."})
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Option(names = "--baseline", required = true, paramLabel = "FP16_MODEL", description = "the reference model (HF directory or .gguf)")
    Path baseline;

    @Option(names = "--models", required = true, arity = "1..*", paramLabel = "MODEL", description = "models to compare with it")
    List<Path> models;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "a UTF-8 text file (e.g. WikiText-2 test)")
    Path text;

    @Option(names = "--mc", paramLabel = "TASK:FILE[:LIMIT]", description = "also accuracy on a multiple-choice task, e.g. hellaswag:hellaswag_val.txt:200")
    String mc;

    @Option(names = "--mc-fewshot", paramLabel = "K", description = "--mc with K examples before each item, as trit mc --num-fewshot (default 0)")
    int mcFewshot;

    @Option(names = "--fewshot-seed", paramLabel = "S", description = "the few-shot sampler's seed, as trit mc (default ${DEFAULT-VALUE})")
    long fewshotSeed = 1234;

    @Option(names = "--fewshot-data", paramLabel = "TRAIN", description = "the task's train split for --mc-fewshot (default: found beside the --mc file, as trit mc)")
    Path fewshotData;

    @Option(names = "--with-q8", description = "add the baseline converted to GGUF Q8_0 (the 8-bit baseline; same as --quants q8_0)")
    boolean withQ8;

    @Option(names = "--quants", split = ",", paramLabel = "TYPE",
            description = "add the baseline converted to these GGUF types, comma-separated (trit convert --type names, e.g. q8_0,f16)")
    List<String> quants = List.of();

    @Option(names = "--report", paramLabel = "DIR", description = "also write an HTML/Markdown report with charts to DIR (as trit report)")
    Path report;

    @Option(names = "--ctx", paramLabel = "N", description = "context per window (default ${DEFAULT-VALUE})")
    int ctx = 256;

    @Option(names = "--max-windows", paramLabel = "N", description = "at most N windows (default: all)")
    int maxWindows;

    @Option(names = "--speed", description = "also a short prefill/decode speed probe per model")
    boolean speed;

    @Option(names = "--json", description = "print the result rows (schema trit.results/1) as JSON instead of the table")
    boolean json;

    @Option(names = "--results", paramLabel = "FILE", description = "also write the result rows (.arrow: Arrow IPC, else JSON)")
    Path results;

    @Override
    public Integer call() throws Exception {
        if (ctx < 4) throw new Main.UsageException("--ctx must be at least 4");
        if (maxWindows < 0) throw new Main.UsageException("--max-windows must not be negative");
        List<TargetType> types = quantTypes(quants, withQ8);
        if (mcFewshot < 0) throw new Main.UsageException("--mc-fewshot must not be negative");
        if (mc == null && (mcFewshot > 0 || fewshotData != null)) throw new Main.UsageException("--mc-fewshot and --fewshot-data need --mc");
        if (fewshotData != null && mcFewshot == 0) throw new Main.UsageException("--fewshot-data needs --mc-fewshot K > 0");
        ModelEval.Mc mcSpec = mc == null ? null : parseMc(mc, mcFewshot, fewshotSeed, fewshotData);
        String content = PplCommand.readText(text);
        String textTask = EvalResults.textName(text);
        ModelEval.Protocol p = new ModelEval.Protocol(content, text, textTask, ctx, maxWindows, DemoCommand.TOP_K, mcSpec, speed);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();

        List<Path> paths = new ArrayList<>(List.of(baseline));
        Path tmp = null;
        try {
            if (!types.isEmpty()) tmp = Files.createTempDirectory("trit-compare-");
            for (int i = 0; i < types.size(); i++) {
                TargetType t = types.get(i);
                Path q = tmp.resolve(EvalResults.modelName(baseline) + "-" + t.label() + ".gguf");
                err.printf(Locale.ROOT, "compare: converting %s to %s [%d/%d]%n", baseline.getFileName(), t.label().toUpperCase(Locale.ROOT),
                        i + 1, types.size());
                err.flush();
                Converter.convert(baseline, q, new Converter.Options(t), Progress.NONE);
                paths.add(q);
            }
            paths.addAll(models);
            List<ResultRow> rows = new ArrayList<>();
            Set<String> names = new HashSet<>();
            ModelEval.Reference base = null;
            try (Parallel pool = engine.pool()) {
                for (int i = 0; i < paths.size(); i++) {
                    Path m = paths.get(i);
                    String name = EvalResults.modelName(m);
                    // Two files of the same name (a/model.gguf, b/model.gguf) must not share result keys.
                    String unique = name;
                    for (int k = 2; !names.add(unique); k++) unique = name + "#" + k;
                    int idx = i;
                    ModelEval.Measured r = ModelEval.run(unique, "", m, p, base == null ? List.of() : List.of(base), false, i == 0, pool,
                            s -> {
                                err.printf(Locale.ROOT, "compare [%d/%d] %s: %s%n", idx + 1, paths.size(), m.getFileName(), s);
                                err.flush();
                            });
                    rows.addAll(r.rows());
                    if (i == 0) base = new ModelEval.Reference(unique, textTask, r.dump());
                }
            }
            ResultTable table = new ResultTable(rows);
            if (results != null) EvalResults.write(results, rows);
            if (report != null) {
                String note = String.format(Locale.ROOT, "trit compare: baseline %s; text %s (%s windows of %d, [BOS] + %d tokens, every token "
                                + "scored); KLD (top-%d + rest buckets, as trit kld) and same top against the baseline%s.",
                        EvalResults.modelName(baseline), text.getFileName(), maxWindows == 0 ? "all" : "at most " + maxWindows, ctx, ctx - 1,
                        DemoCommand.TOP_K, types.isEmpty() ? "" : "; " + String.join(", ", types.stream().map(TargetType::label).toList())
                                + ": the baseline converted by trit convert --type");
                ReportBuilder.Report r = ReportBuilder.build(table, report.toAbsolutePath().normalize(), List.of(note));
                err.println("compare: report " + r.dir().resolve("index.html") + " (" + r.charts().size() + " charts)");
                err.flush();
            }
            if (json) {
                out.println(ResultFiles.toJson(table));
            } else {
                out.printf(Locale.ROOT, "baseline %s; text %s (%s windows of %d); KLD and top-1 against the baseline%n",
                        EvalResults.modelName(baseline), text.getFileName(), maxWindows == 0 ? "all" : "at most " + maxWindows, ctx);
                new ComparisonTable(table, textTask, mcSpec == null ? null : mcSpec.name()).print(out);
            }
        } finally {
            if (tmp != null) {
                try (var s = Files.list(tmp)) {
                    for (Path f : s.toList()) Files.deleteIfExists(f);
                }
                Files.deleteIfExists(tmp);
            }
        }
        out.flush();
        return Main.OK;
    }

    /**
     * The GGUF types of --quants (and --with-q8), in order, without repeats: each name goes through
     * the converter's own type parsing ({@link TargetType#parse}), so every type {@code trit convert}
     * writes is accepted; another name, or a ternary type (ternarizing is not quantizing), is a usage error.
     */
    static List<TargetType> quantTypes(List<String> names, boolean withQ8) {
        java.util.LinkedHashSet<TargetType> types = new java.util.LinkedHashSet<>();
        for (String raw : names) {
            String n = raw.trim();
            if (n.isEmpty()) continue;
            TargetType t = TargetType.parse(n, true).filter(x -> !x.isTernary()).orElseThrow(() -> new Main.UsageException(
                    "--quants: '" + n + "' is not a quantization type trit convert writes (GGUF: " + String.join(", ",
                            java.util.Arrays.stream(TargetType.values()).filter(x -> x.isGguf() && !x.isTernary()).map(TargetType::label).toList())
                            + ")"));
            types.add(t);
        }
        if (withQ8) types.add(TargetType.GGUF_Q8_0);
        return List.copyOf(types);
    }

    /**
     * TASK:FILE[:LIMIT]; the file part may itself hold colons only if a limit follows. With shots > 0 each item
     * gets the harness's K-shot context, drawn as trit mc draws it, and the task is named TASK/K-shot.
     */
    static ModelEval.Mc parseMc(String spec, int shots, long seed, Path fewshotData) throws java.io.IOException {
        int first = spec.indexOf(':');
        if (first <= 0 || first == spec.length() - 1) throw new Main.UsageException("--mc must be TASK:FILE[:LIMIT], not " + spec);
        String taskName = spec.substring(0, first), rest = spec.substring(first + 1);
        int limit = 0;
        int last = rest.lastIndexOf(':');
        if (last > 0 && rest.substring(last + 1).matches("\\d+")) {
            limit = Integer.parseInt(rest.substring(last + 1));
            rest = rest.substring(0, last);
        }
        McTask task;
        try {
            task = McTask.byId(taskName);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        Path data = Path.of(rest);
        if (shots == 0) return new ModelEval.Mc(task, task.id(), data, McDataset.read(task, data, McDataset.Options.harness(limit)));
        List<McDataset.McDoc> docs = McDataset.readDocs(task, data, McDataset.Options.harness(limit));
        List<McItem> items = McCommand.fewShots(task, docs, data, fewshotData, shots, seed).items();
        return new ModelEval.Mc(task, task.id() + "/" + shots + "-shot", data, items);
    }
}
