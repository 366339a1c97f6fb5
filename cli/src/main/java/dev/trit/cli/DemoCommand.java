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
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code trit demo}: the main job on the bundled demo models, end to end. Converts the BitNet b1.58
 * demo (packed HF checkpoint) to GGUF TQ1_0, TQ2_0 and I2_S, the FP16 LLaMA baseline to Q8_0 (and the
 * other quantized baselines of --quants the converter writes: the equal-memory comparison) and,
 * post-training, to ternary TQ2_0; measures every model on the same WikiText-2 windows (perplexity,
 * KL-divergence and top-1 agreement against the FP16 model and against the checkpoint a variant was
 * converted from) and on HellaSwag; probes speed; and writes results and an HTML report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job on the bundled demo models (fixtures/): convert the BitNet b1.58 demo to",
                "GGUF TQ1_0, TQ2_0 and I2_S, the FP16 LLaMA baseline to Q8_0 (and --quants) and (post-training) to ternary",
                "TQ2_0; measure each on WikiText-2 test windows (perplexity; KL-divergence and top-1",
                "agreement vs the FP16 model and vs the source checkpoint) and HellaSwag; probe speed;",
                "write DIR/results.arrow, results.json, index.html and summary.md; print a table."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Option(names = "--fixtures", paramLabel = "DIR", description = "the fixtures folder (default: the repo's fixtures/)")
    Path fixtures;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: ./${DEFAULT-VALUE})")
    Path out = Path.of("trit-report");

    @Option(names = "--windows", paramLabel = "N", description = "WikiText-2 windows of 256 tokens per model (default ${DEFAULT-VALUE})")
    int windows = 20;

    @Option(names = "--hellaswag", paramLabel = "N", description = "HellaSwag tasks per model, 0 for none (default ${DEFAULT-VALUE}, at most 200)")
    int hellaswag = 40;

    @Option(names = "--no-speed", description = "skip the speed probe")
    boolean noSpeed;

    @Option(names = "--quants", split = ",", paramLabel = "TYPE",
            description = "the FP16 LLaMA's quantized baselines, comma-separated trit convert --type names (default: those of "
                    + "q8_0, q6_k, q4_k_m, q3_k_m, q2_k the converter writes)")
    List<String> quants;

    /** The demo's quantized baselines of the FP16 model, where the converter writes the type (llama-quantize's usual ones). */
    static final List<String> DEMO_QUANTS = List.of("q8_0", "q6_k", "q4_k_m", "q3_k_m", "q2_k");

    /** The default --quants: the names of {@link #DEMO_QUANTS} the converter's type parsing accepts as non-ternary GGUF types. */
    static List<String> availableQuants() {
        return DEMO_QUANTS.stream().filter(n -> TargetType.parse(n, true).filter(t -> !t.isTernary()).isPresent()).toList();
    }

    static final int CTX = 256, TOP_K = 32;
    static final String TEXT_TASK = "wikitext-2-test";

    /** One model of the demo: what it is, where it comes from and what it is compared with. */
    private record Entry(String model, String variant, Path path, String what, boolean isBase, boolean isSource, boolean vsSource,
                         boolean layers) {
    }

    @Override
    public Integer call() throws Exception {
        if (windows < 1) throw new Main.UsageException("--windows must be at least 1");
        if (hellaswag < 0 || hellaswag > 200) throw new Main.UsageException("--hellaswag must be between 0 and 200");
        List<TargetType> quantTypes = CompareCommand.quantTypes(quants != null ? quants : availableQuants(), false);
        quantLabels = quantTypes.stream().map(TargetType::label).toList();
        long start = System.nanoTime();
        Path dir = fixtures != null ? fixtures : defaultFixtures();
        Path hf = dir.resolve("hf"), textFile = dir.resolve("data/wikitext-2/test.txt");
        Path hsFile = dir.resolve("data/hellaswag/hellaswag_val_first200.txt");
        Path llama = hf.resolve("demo-llama-f16"), bitnet = hf.resolve("demo-bitnet-packed"), bitnet1 = hf.resolve("demo1-bitnet-packed");
        for (Path p : List.of(llama, bitnet, bitnet1, textFile, hsFile)) {
            if (!Files.exists(p)) throw new Main.FailureException(p + ": not found (is --fixtures the repo's fixtures/ folder?)");
        }
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path outDir = out.toAbsolutePath().normalize(), work = outDir.resolve("work");
        Files.createDirectories(work);

        // 1. The text: the first part of WikiText-2 test that holds the windows (tokenized per model later).
        step(err, start, "reading WikiText-2 test and HellaSwag");
        Tokenizer tok = Tokenizers.forModelDir(llama);
        String text = excerpt(PplCommand.readText(textFile), tok, windows * (CTX - 1));
        List<McItem> items = hellaswag == 0 ? List.of()
                : McDataset.read(McTask.byId("hellaswag"), hsFile, McDataset.Options.harness(hellaswag));
        ModelEval.Mc mc = hellaswag == 0 ? null : new ModelEval.Mc(McTask.byId("hellaswag"), "hellaswag", hsFile, items);
        ModelEval.Protocol protocol = new ModelEval.Protocol(text, textFile, TEXT_TASK, CTX, windows, TOP_K, mc, !noSpeed);

        // 2. Conversions.
        Path tq1 = work.resolve("demo-bitnet-tq1_0.gguf"), tq2 = work.resolve("demo-bitnet-tq2_0.gguf"), i2s = work.resolve("demo-bitnet-i2_s.gguf");
        Path ptq = work.resolve("demo-llama-ternarized-tq2_0.gguf");
        List<Object[]> conversions = new ArrayList<>(List.of(new Object[]{bitnet, tq1, TargetType.GGUF_TQ1_0, false},
                new Object[]{bitnet, tq2, TargetType.GGUF_TQ2_0, false}, new Object[]{bitnet, i2s, TargetType.GGUF_I2_S, false}));
        // the FP16 model's quantized baselines (the equal-memory comparison), then its post-training ternarization
        List<Entry> quantEntries = new ArrayList<>();
        for (TargetType t : quantTypes) {
            Path q = work.resolve("demo-llama-" + t.label() + ".gguf");
            conversions.add(new Object[]{llama, q, t, false});
            quantEntries.add(new Entry("demo-llama", "gguf-" + t.label(), q, t == TargetType.GGUF_Q8_0 ? "8-bit baseline"
                    : "quantized baseline (" + t.label() + ")", false, false, false, false));
        }
        conversions.add(new Object[]{llama, ptq, TargetType.GGUF_TQ2_0, true});
        for (int i = 0; i < conversions.size(); i++) {
            Path src = (Path) conversions.get(i)[0], dst = (Path) conversions.get(i)[1];
            TargetType t = (TargetType) conversions.get(i)[2];
            boolean tern = (Boolean) conversions.get(i)[3];
            step(err, start, String.format(Locale.ROOT, "convert [%d/%d] %s -> %s%s", i + 1, conversions.size(), src.getFileName(),
                    dst.getFileName(), tern ? " (--ternarize: post-training absmean)" : ""));
            Converter.convert(src, dst, new Converter.Options(t, tern, true, true), Progress.NONE);
        }

        // 3. Measurements, in an order where every reference is measured before the models compared with it.
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry("demo-llama", "hf-f16", llama, "FP16 baseline (LLaMA)", true, false, false, false));
        entries.addAll(quantEntries);
        entries.addAll(List.of(
                new Entry("demo-llama", "gguf-tq2_0-ternarized", ptq, "FP16 LLaMA ternarized after training", false, false, false, true),
                new Entry("demo-bitnet", "hf-packed", bitnet, "BitNet b1.58 trained ternary, packed HF", false, true, false, true),
                new Entry("demo-bitnet", "gguf-tq1_0", tq1, "converted from hf-packed", false, false, true, false),
                new Entry("demo-bitnet", "gguf-tq2_0", tq2, "converted from hf-packed", false, false, true, false),
                new Entry("demo-bitnet", "gguf-i2_s", i2s, "converted from hf-packed", false, false, true, false),
                new Entry("demo1-bitnet", "hf-packed", bitnet1, "BitNet 1-bit (weights ±1), packed HF", false, false, false, true)));
        List<ResultRow> rows = new ArrayList<>();
        ModelEval.Reference base = null, source = null;
        long measureStart = System.nanoTime();
        try (Parallel pool = engine.pool()) {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                String label = e.model + "/" + e.variant;
                List<ModelEval.Reference> refs = new ArrayList<>();
                if (base != null) refs.add(base);
                if (e.vsSource && source != null) refs.add(source);
                int idx = i;
                ModelEval.Measured m = ModelEval.run(e.model, e.variant, e.path, protocol, refs, e.layers, e.isBase || e.isSource, pool,
                        s -> step(err, start, String.format(Locale.ROOT, "measure [%d/%d] %s: %s", idx + 1, entries.size(), label, s)));
                step(err, start, String.format(Locale.ROOT, "measured [%d/%d] %s%s", i + 1, entries.size(), label,
                        i + 1 < entries.size() ? ", ETA " + seconds((System.nanoTime() - measureStart) / 1e9 / (i + 1) * (entries.size() - i - 1)) : ""));
                rows.addAll(m.rows());
                if (e.isBase) base = new ModelEval.Reference(label, TEXT_TASK, m.dump());
                if (e.isSource) source = new ModelEval.Reference(label, TEXT_TASK + ComparisonTable.VS + label, m.dump());
            }
        }

        // 4. Results and report.
        step(err, start, "writing results and report to " + outDir);
        ResultTable table = new ResultTable(rows);
        ResultFiles.writeArrow(table, outDir.resolve("results.arrow"));
        ResultFiles.writeJson(table, outDir.resolve("results.json"));
        List<String> notes = protocolNotes(text.length(), items.size());
        // The page's comparison is the report's sortable HTML table (and its quality-size charts); the
        // text table is printed below.
        List<String> reportNotes = new ArrayList<>(notes);
        ComparisonTable ct = new ComparisonTable(table, TEXT_TASK, mc == null ? null : mc.name());
        reportNotes.add(String.join("\n", SupportedCheckpoints.lines()));
        ReportBuilder.Report r = ReportBuilder.build(table, outDir, reportNotes);

        for (String n : notes) o.println(n);
        o.println();
        ct.print(o);
        o.println();
        for (String l : SupportedCheckpoints.lines()) o.println(l);
        o.println();
        o.printf(Locale.ROOT, "report: %s (%d charts); results: %s, %s; converted models: %s%n", outDir.resolve("index.html"),
                r.charts().size(), outDir.resolve("results.arrow"), outDir.resolve("results.json"), work);
        o.printf(Locale.ROOT, "done in %s%n", seconds((System.nanoTime() - start) / 1e9));
        o.flush();
        return Main.OK;
    }

    private List<String> quantLabels = List.of();

    private List<String> protocolNotes(int chars, int items) {
        List<String> n = new ArrayList<>();
        n.add(String.format(Locale.ROOT, "trit demo on the bundled models (trained from scratch on the same text, see fixtures/README.md). "
                + "Perplexity: the first %d windows of WikiText-2 test (first %,d characters), each run as [BOS] + 255 tokens, "
                + "every token scored (the transformers oracle's protocol). KLD base: mean KL-divergence of next-token "
                + "distributions from the FP16 model demo-llama/hf-f16 (top-%d + rest buckets, as trit kld); top1 base: share of "
                + "positions whose most likely token is the FP16 model's. KLD source: the same against demo-bitnet/hf-packed, the "
                + "checkpoint the GGUF variants were converted from (lossless conversions of the trits; TQ1_0/TQ2_0 store the scale "
                + "as fp16, so tiny differences there are the format's).", windows, chars, TOP_K));
        if (items > 0) n.add(String.format(Locale.ROOT, "HellaSwag: the first %d validation tasks, zero-shot, lm-evaluation-harness "
                + "scoring (acc; chance is 0.25). The models are tiny (4 layers, 256 wide): expect near-chance accuracy.", items));
        if (!noSpeed) n.add(String.format(Locale.ROOT, "Speed: an in-process probe of the reference engine (%d threads): prefill of "
                + "%d tokens and %d greedy decode steps, best of 2. pJ/token: estimated arithmetic energy per token at 7 nm and "
                + "context %d (BitNet papers' per-operation energies; ternary-weight formats priced as BitLinear, others as FP16; "
                + "memory traffic excluded).", engine.threads, ModelEval.PROBE_PROMPT, ModelEval.PROBE_DECODE, CTX));
        n.add("Equal-memory comparison: the FP16 LLaMA quantized by trit convert --type (" + String.join(", ", quantLabels)
                + ") beside the ternary files; the table sorts by any column (click a header), and the charts put each file's quality "
                + "(mean KLD against the FP16 model, perplexity) against its size with the Pareto front: the files no other file "
                + "beats on both.");
        n.add("demo-llama/gguf-tq2_0-ternarized is the FP16 LLaMA ternarized after training (trit convert --ternarize); "
                + "demo-bitnet was trained ternary from the start: same size, very different quality.");
        return n;
    }

    /** The shortest prefix of the text, cut at a line end, that the tokenizer turns into at least {@code tokens} tokens. */
    static String excerpt(String text, Tokenizer tok, int tokens) {
        int chars = Math.min(text.length(), tokens * 6);
        while (true) {
            int cut = text.indexOf('\n', chars);
            String s = cut < 0 ? text : text.substring(0, cut + 1);
            if (cut < 0 || tok.encode(s, false).length >= tokens) return s;
            chars = Math.min(text.length(), chars * 2);
        }
    }

    private static void step(PrintWriter err, long start, String what) {
        err.printf(Locale.ROOT, "demo [%6s] %s%n", seconds((System.nanoTime() - start) / 1e9), what);
        err.flush();
    }

    static String seconds(double s) {
        long t = Math.round(s);
        return t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }

    static Path defaultFixtures() {
        return Path.of(System.getProperty("trit.root", ".")).resolve("fixtures");
    }
}
