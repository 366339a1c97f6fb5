package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.Accuracy;
import dev.trit.engine.eval.ItemScore;
import dev.trit.engine.eval.McDataset;
import dev.trit.engine.eval.McFewShot;
import dev.trit.engine.eval.McItem;
import dev.trit.engine.eval.McMethod;
import dev.trit.engine.eval.McResult;
import dev.trit.engine.eval.McScorer;
import dev.trit.engine.eval.McTask;
import dev.trit.engine.eval.TextEncoder;
import dev.trit.engine.eval.TransformerLogits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code trit mc}: zero- or few-shot multiple-choice accuracy, scored like lm-evaluation-harness or llama.cpp. */
@Command(name = "mc", mixinStandardHelpOptions = true,
        description = {"Zero- or few-shot multiple-choice accuracy of MODEL (HF directory or .gguf).",
                "TASK: hellaswag, arc_easy, arc_challenge, piqa, winogrande, boolq, openbookqa,",
                "with lm-evaluation-harness's prompt formats. DATA: JSONL in the harness's",
                "dataset layout; for hellaswag also llama.cpp's text file (.txt, 6 lines/task).",
                "--method harness: log-likelihood of each continuation given the context;",
                "  acc = argmax of the sum, acc_norm = argmax of sum / characters of the choice.",
                "--method llama-cpp: llama-perplexity --hellaswag's score, the mean log-prob of",
                "  the tokens after the prefix all choices share (acc_llama_cpp).",
                "Standard errors: sqrt(p(1-p)/(n-1)), as both tools print.",
                "--num-fewshot K: the harness's K-shot context: its default sampler draws",
                "  random.Random(--fewshot-seed).sample(train docs, K+1 or K) per item, in order,",
                "  examples joined by \\n\\n before the item's own context. Every task takes its",
                "  examples from its train split: --fewshot-data FILE, else the train file beside",
                "  DATA (valid/val/test/dev in the name read as train); exit 1 when there is none."})
final class McCommand implements Callable<Integer> {
    /** Items the small model scores while a large GGUF loads ({@link dev.trit.engine.KernelWarmup}); fewer if the load ends first. */
    static final int WARMUP_ITEMS = 24;

    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    ActivationsOption activations;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "TASK", description = "hellaswag, arc_easy, arc_challenge, piqa, winogrande, boolq or openbookqa")
    String task;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "the task's data file")
    Path data;

    @Option(names = "--labels", paramLabel = "FILE", description = "labels, one per line, for JSONL rows without one (PIQA's X-labels.lst beside X.jsonl is found by itself)")
    Path labels;

    @Option(names = "--limit", paramLabel = "N", description = "score only the first N items (default: all)")
    int limit;

    @Option(names = "--method", paramLabel = "M", description = "harness or llama-cpp (default ${DEFAULT-VALUE})")
    String method = "harness";

    @Option(names = "--bos", description = "harness method: put the tokenizer's BOS in front (the harness's add_bos_token=True; its default is without)")
    boolean bos;

    @Option(names = "--num-fewshot", paramLabel = "K", description = "harness method: K examples from the task's train split before each item (default ${DEFAULT-VALUE})")
    int numFewshot = 0;

    @Option(names = "--fewshot-seed", paramLabel = "S", description = "seed of the harness's few-shot sampler, random.Random(S) once per task (the harness's --fewshot_random_seed; default ${DEFAULT-VALUE})")
    long fewshotSeed = 1234;

    @Option(names = "--fewshot-data", paramLabel = "FILE", description = "the task's train split, in DATA's layout and the dataset's row order, to draw the examples from")
    Path fewshotData;

    @Option(names = "--json", description = "print one JSON object: task, method, n, metrics with stderr, per-item predictions")
    boolean json;

    @Option(names = "--results", paramLabel = "FILE", description = "also write the metrics as a result table (.arrow: Arrow IPC, else JSON)")
    Path results;

    @Override
    public Integer call() throws Exception {
        McTask t;
        try {
            t = McTask.byId(task);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        McMethod m = switch (method) {
            case "harness", "lm-eval", "lm-evaluation-harness" -> McMethod.HARNESS;
            case "llama-cpp", "llama.cpp" -> McMethod.LLAMA_CPP;
            default -> throw new Main.UsageException("--method must be harness or llama-cpp, not " + method);
        };
        if (limit < 0) throw new Main.UsageException("--limit must not be negative");
        if (bos && m == McMethod.LLAMA_CPP) throw new Main.UsageException("--bos applies to the harness method (llama.cpp's always has BOS)");
        if (numFewshot < 0) throw new Main.UsageException("--num-fewshot must not be negative");
        if (numFewshot > 0 && m == McMethod.LLAMA_CPP) throw new Main.UsageException("--num-fewshot applies to the harness method (llama.cpp's HellaSwag is zero-shot)");
        if (fewshotData != null && numFewshot == 0) throw new Main.UsageException("--fewshot-data needs --num-fewshot K > 0");
        List<McDataset.McDoc> docs = McDataset.readDocs(t, data, new McDataset.Options(labels, m == McMethod.HARNESS, limit));
        List<McItem> items = new ArrayList<>(docs.size());
        List<int[]> shotsUsed = new ArrayList<>(docs.size());
        PrintStream progress = System.err;
        if (numFewshot > 0) {
            FewShots f = fewShots(t, docs, data, fewshotData, numFewshot, fewshotSeed);
            progress.printf("mc: %d-shot examples from %s as the %s split (%d docs), seed %d%n", numFewshot, f.pool(), t.fewshotSplit(), f.poolDocs(), fewshotSeed);
            for (McFewShot.Shot s : f.shots()) {
                items.add(s.item());
                shotsUsed.add(s.examples());
            }
        } else {
            for (McDataset.McDoc d : docs) items.add(d.item());
        }
        PrintWriter out = spec.commandLine().getOut();
        McResult r;
        long t0 = System.nanoTime();
        // the model's weights stay mapped until it is closed
        try (Parallel pool = engine.pool(); LoadedModel lm = EngineOptions.open(model, pool, activations.mode(), McScorer.warmup(m, bos, items, WARMUP_ITEMS))) {
            McScorer scorer = new McScorer(new TransformerLogits(lm.transformer()), TextEncoder.of(lm.tokenizer()), m, bos);
            progress.printf("mc: %s, %s, %d items, method %s%n", model.getFileName(), t.id(), items.size(), method);
            int[] done = {0};
            try {
                r = scorer.run(t, items, s -> {
                    if (++done[0] % 100 == 0) progress.printf("  %d/%d%n", done[0], items.size());
                });
            } catch (IllegalArgumentException e) {
                throw new Main.FailureException(data + ": " + e.getMessage());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (results != null) EvalResults.write(results, rows(r));
        if (json) printJson(out, r, seconds, shotsUsed);
        else printTable(out, r, seconds);
        out.flush();
        return Main.OK;
    }

    /** K-shot items and where their examples came from: the pool file and its number of docs. */
    record FewShots(Path pool, int poolDocs, List<McFewShot.Shot> shots) {
        List<McItem> items() {
            return shots.stream().map(McFewShot.Shot::item).toList();
        }
    }

    /**
     * The harness's K-shot contexts for docs (read from data), as trit mc, trit compare and trit eval build
     * them: examples from fewshotData, else from the train split beside data ({@link #trainBeside}); a pool
     * the sampler cannot use is a failure naming it.
     */
    static FewShots fewShots(McTask task, List<McDataset.McDoc> docs, Path data, Path fewshotData, int k, long seed) throws java.io.IOException {
        Path pool = fewshotData != null ? fewshotData : trainBeside(task, data, k);
        List<McDataset.McDoc> fewshotDocs = McDataset.readDocs(task, pool, McDataset.Options.harness(0));
        try {
            return new FewShots(pool, fewshotDocs.size(), McFewShot.build(task, docs, fewshotDocs, k, seed));
        } catch (IllegalArgumentException e) {
            throw new Main.FailureException(pool + ": " + e.getMessage());
        }
    }

    /**
     * The train split of {@code task} beside {@code data}: the file whose name has "train" where DATA's has
     * validation/valid/val/test/dev. A missing split is an error naming it, never a substitute.
     */
    static Path trainBeside(McTask task, Path data, int k) {
        String name = data.getFileName().toString();
        String trainName = name.replaceFirst("(?i)validation|valid|val|test|dev", "train");
        Path candidate = data.resolveSibling(trainName);
        String split = task.fewshotSplit();
        if (trainName.equals(name) || !java.nio.file.Files.isRegularFile(candidate)) {
            throw new Main.FailureException(task.id() + ": --num-fewshot " + k + " takes its examples from the " + split + " split, which is not available"
                    + (trainName.equals(name) ? "" : " (no " + candidate + ")") + "; give the " + split + " split with --fewshot-data FILE");
        }
        return candidate;
    }

    /** The task's name in result rows: "piqa", or "piqa/5-shot" for a K-shot run. */
    private String taskName(McResult r) {
        return numFewshot > 0 ? r.task().id() + "/" + numFewshot + "-shot" : r.task().id();
    }

    /** acc, acc_norm (or acc_llama_cpp), their standard errors and the item count; task = the task's name. */
    private List<ResultRow> rows(McResult r) {
        String name = EvalResults.modelName(model);
        String task = taskName(r);
        List<ResultRow> rows = new ArrayList<>();
        for (Accuracy a : r.metrics()) {
            rows.add(ResultRow.of(name, "", task, "", a.metric(), a.value()));
            rows.add(ResultRow.of(name, "", task, "", a.metric() + "_stderr", a.stderr()));
        }
        rows.add(ResultRow.of(name, "", task, "", Metrics.ITEMS, r.items().size()));
        return rows;
    }

    private void printJson(PrintWriter out, McResult r, double seconds, List<int[]> shotsUsed) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("task", r.task().id());
        o.put("method", method);
        o.put("model", model.toString());
        o.put("data", data.toString());
        o.put("n", r.items().size());
        o.put("bos", bos || r.method() == McMethod.LLAMA_CPP);
        o.put("num_fewshot", numFewshot);
        if (numFewshot > 0) o.put("fewshot_seed", fewshotSeed);
        ObjectNode metrics = o.putObject("metrics");
        for (Accuracy a : r.metrics()) {
            ObjectNode mo = metrics.putObject(a.metric());
            KldCommand.number(mo, "value", a.value());
            KldCommand.number(mo, "stderr", a.stderr());
            mo.put("correct", a.correct());
            mo.put("reported_by_harness", !a.metric().equals("acc_norm") || r.task().reportsAccNorm());
        }
        o.put("seconds", seconds);
        ArrayNode items = o.putArray("items");
        for (int i = 0; i < r.items().size(); i++) {
            ItemScore s = r.items().get(i);
            ObjectNode io = items.addObject();
            io.put("id", s.id());
            if (numFewshot > 0) {
                ArrayNode fs = io.putArray("fewshot");
                for (int j : shotsUsed.get(i)) fs.add(j);
            }
            io.put("gold", s.gold());
            if (r.method() == McMethod.HARNESS) {
                io.put("pred", s.pred());
                io.put("pred_norm", s.predNorm());
            } else {
                io.put("pred", s.predMeanToken());
            }
            ArrayNode ll = io.putArray("loglikelihoods");
            s.choices().forEach(c -> ll.add(Double.isFinite(c.logLikelihood()) ? ll.numberNode(c.logLikelihood()) : ll.nullNode()));
            ArrayNode tk = io.putArray("tokens");
            s.choices().forEach(c -> tk.add(c.tokens()));
        }
        out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }

    private void printTable(PrintWriter out, McResult r, double seconds) {
        out.printf(Locale.ROOT, "%s on %s, %d items, method %s%s%s, %.1f s%n", r.task().id(), model.getFileName(), r.items().size(),
                method, r.method() == McMethod.HARNESS && bos ? " (with BOS)" : "",
                numFewshot > 0 ? ", " + numFewshot + "-shot (seed " + fewshotSeed + ")" : "", seconds);
        out.printf("%-14s %8s %8s%n", "metric", "value", "stderr");
        for (Accuracy a : r.metrics()) {
            String note = a.metric().equals("acc_norm") && !r.task().reportsAccNorm() ? "  (not among the harness's metrics for this task)" : "";
            out.printf(Locale.ROOT, "%-14s %8.4f %8.4f%s%n", a.metric(), a.value(), a.stderr(), note);
        }
    }
}
