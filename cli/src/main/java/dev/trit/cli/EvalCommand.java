package dev.trit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import dev.trit.converters.Converter;
import dev.trit.converters.Progress;
import dev.trit.engine.ActivationMode;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.LogSoftmax;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.ChoiceScore;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.ItemScore;
import dev.trit.engine.eval.KlDivergence;
import dev.trit.engine.eval.McDataset;
import dev.trit.engine.eval.lmeval.RollingWindows;
import dev.trit.engine.eval.lmeval.WikitextDocuments;
import dev.trit.engine.eval.lmeval.WikitextTask;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.eval.McItem;
import dev.trit.engine.eval.McMethod;
import dev.trit.engine.eval.McScorer;
import dev.trit.engine.eval.TextEncoder;
import dev.trit.engine.eval.TopLogprobs;
import dev.trit.engine.eval.TransformerLogits;
import dev.trit.formats.OutputFiles;
import dev.trit.reports.ReportBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code trit eval PLAN}: runs an {@link EvalPlan} as independent, deterministic units (model x task,
 * items split between shards), journaling every finished item so that a killed run resumes where it
 * stopped, and writes OUT/results.arrow (and .json): one result table for {@code trit report} and
 * {@code trit gate}.
 *
 * <p>OUT holds: eval.json (the plan and shard this folder belongs to), eval.lock (held while a run
 * writes), work/ (built variants), units/ID.json (a unit's spec) and units/ID.journal (its items).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Run an evaluation plan (YAML or JSON): models and variants to build, ppl and mc tasks, the",
                "baseline for KLD, the report. Units (model x task) are journaled item by item (fsync'd): after an",
                "interruption, --resume finishes only what is missing, with bit-identical results.",
                "--shard I/N runs windows and items I, I+N, ... of every unit (one-item units by their position);",
                "trit merge combines the N folders into the numbers of a single run.",
                "Writes OUT/results.arrow and results.json (and index.html with report: true); progress on stderr."})
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "PLAN", description = "the plan, .yaml/.yml or .json")
    Path planFile;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: ./${DEFAULT-VALUE})")
    Path out = Path.of("trit-eval");

    @Option(names = "--resume", description = "finish the run DIR holds (same plan and shard)")
    boolean resume;

    @Option(names = "--shard", paramLabel = "I/N", description = "run shard I of N (0-based; default ${DEFAULT-VALUE})")
    String shard = "0/1";

    static final String STATE = "eval.json", LOCK = "eval.lock", SCHEMA = "trit.eval/1";

    @Override
    public Integer call() throws Exception {
        int[] sh = parseShard(shard);
        EvalPlan plan = EvalPlan.read(planFile);
        Path dir = out.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (Lock lock = Lock.acquire(dir)) {
            state(dir, plan, sh);
            new Run(plan, dir, sh[0], sh[1], err).run();
            if (sh[1] == 1) {
                finish(dir, plan, rows(dir, units(plan), List.of(dir)), o);
            } else {
                o.printf(Locale.ROOT, "shard %d/%d done: %s; combine the %d shard folders with trit merge DIR... --out DIR%n", sh[0], sh[1], dir, sh[1]);
            }
        }
        o.flush();
        return Main.OK;
    }

    static int[] parseShard(String s) {
        String[] p = s.split("/");
        try {
            if (p.length == 2) {
                int i = Integer.parseInt(p[0].trim()), n = Integer.parseInt(p[1].trim());
                if (n >= 1 && i >= 0 && i < n) return new int[]{i, n};
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Main.UsageException("--shard must be I/N with 0 <= I < N, not " + s);
    }

    /** Records the plan and shard in DIR/eval.json, or checks that DIR's run is this one (with --resume). */
    private void state(Path dir, EvalPlan plan, int[] sh) throws IOException {
        Path f = dir.resolve(STATE);
        ObjectMapper m = new ObjectMapper();
        ObjectNode s = m.createObjectNode();
        s.put("schema", SCHEMA);
        s.put("shard", sh[0] + "/" + sh[1]);
        s.set("plan", m.readTree(plan.canonicalJson()));
        if (Files.exists(f)) {
            if (!resume) {
                throw new Main.FailureException(dir + " already holds a run (" + STATE + "): add --resume to finish it, or choose another --out");
            }
            JsonNode old = m.readTree(f.toFile());
            if (!old.path("shard").asText().equals(s.get("shard").asText())) {
                throw new Main.FailureException(dir + " holds shard " + old.path("shard").asText() + ", not " + s.get("shard").asText());
            }
            if (!old.path("plan").equals(s.get("plan"))) {
                throw new Main.FailureException(dir + " holds a run of another plan (or the plan changed since); use another --out");
            }
            return;
        }
        Path tmp = OutputFiles.tempFileBeside(f);
        Files.writeString(tmp, m.writerWithDefaultPrettyPrinter().writeValueAsString(s) + "\n");
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The plan's entries in run order: the baseline first, so every reference is measured before its users. */
    static List<EvalPlan.Entry> order(EvalPlan plan) {
        List<EvalPlan.Entry> es = new ArrayList<>();
        for (EvalPlan.Entry e : plan.entries()) if (e.label().equals(plan.baseline())) es.add(e);
        for (EvalPlan.Entry e : plan.entries()) if (!e.label().equals(plan.baseline())) es.add(e);
        return es;
    }

    /** The plan's units in run order, with item counts still unknown (-1) where a text must be tokenized first. */
    static List<EvalUnit> units(EvalPlan plan) {
        List<EvalUnit> us = new ArrayList<>();
        java.util.Set<String> sources = new java.util.HashSet<>();
        for (EvalPlan.Entry e : plan.entries()) if (e.kldVsSource() && e.source() != null) sources.add(e.source());
        for (EvalPlan.Entry e : order(plan)) {
            if (plan.weights()) {
                us.add(new EvalUnit(EvalUnit.idOf(e.label(), EvalPlan.WEIGHTS_TASK), us.size(), e.model(), e.variant(), EvalPlan.WEIGHTS_TASK,
                        EvalUnit.WEIGHTS, 1, 0, List.of(), "", ""));
            }
            for (EvalPlan.Task t : plan.tasks()) {
                String id = EvalUnit.idOf(e.label(), t.name());
                if (t instanceof EvalPlan.Ppl p) {
                    List<EvalUnit.Ref> refs = new ArrayList<>();
                    if (plan.baseline() != null && !e.label().equals(plan.baseline())) refs.add(new EvalUnit.Ref(EvalUnit.idOf(plan.baseline(), p.name()), p.name()));
                    if (e.kldVsSource() && e.source() != null) {
                        refs.add(new EvalUnit.Ref(EvalUnit.idOf(e.source(), p.name()), p.name() + ComparisonTable.VS + e.source()));
                    }
                    boolean reference = e.label().equals(plan.baseline()) || sources.contains(e.label());
                    us.add(new EvalUnit(id, us.size(), e.model(), e.variant(), p.name(), EvalUnit.PPL, -1, reference ? p.topK() : 0, List.copyOf(refs), "", ""));
                } else if (t instanceof EvalPlan.Wikitext w) {
                    us.add(new EvalUnit(id, us.size(), e.model(), e.variant(), w.name(), EvalUnit.WIKITEXT, -1, 0, List.of(), "", ""));
                } else if (t instanceof EvalPlan.Mc mc) {
                    us.add(new EvalUnit(id, us.size(), e.model(), e.variant(), mc.name(), EvalUnit.MC, -1, 0, List.of(), mc.task().id(), mc.method().name()));
                }
            }
        }
        return us;
    }

    /** Every unit's rows, in unit order, from the journals in the given folders (one run's, or every shard's). */
    static List<ResultRow> rows(Path dir, List<EvalUnit> planned, List<Path> dirs) throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        for (EvalUnit p : planned) {
            EvalUnit u = null;
            TreeMap<Integer, byte[]> records = new TreeMap<>();
            for (Path d : dirs) {
                Path specFile = d.resolve("units").resolve(p.id() + ".json");
                if (!Files.exists(specFile)) continue;
                EvalUnit s = EvalUnit.fromJson(specFile);
                if (u != null && !u.equals(s)) throw new Main.FailureException(specFile + ": unit " + p.id() + " differs from the other folders' (" + s.items() + " vs " + u.items() + " items)");
                u = s;
                for (Map.Entry<Integer, byte[]> r : EvalJournal.read(d.resolve("units").resolve(p.id() + ".journal")).entrySet()) {
                    byte[] had = records.putIfAbsent(r.getKey(), r.getValue());
                    if (had != null && !java.util.Arrays.equals(had, r.getValue())) {
                        throw new Main.FailureException(d + ": item " + r.getKey() + " of unit " + p.id() + " differs from another folder's");
                    }
                }
            }
            if (u == null) throw new Main.FailureException(dir + ": unit " + p.id() + " was never started (a shard missing, or a run not finished?)");
            rows.addAll(u.rows(records, dir));
        }
        return rows;
    }

    /** Writes DIR/results.arrow and results.json (and the report), and prints the comparison table. */
    static void finish(Path dir, EvalPlan plan, List<ResultRow> rows, PrintWriter o) throws IOException {
        ResultTable table = new ResultTable(rows);
        ResultFiles.writeArrow(table, dir.resolve("results.arrow"));
        ResultFiles.writeJson(table, dir.resolve("results.json"));
        String ppl = null, mc = null;
        for (EvalPlan.Task t : plan.tasks()) {
            if (t instanceof EvalPlan.Ppl && ppl == null) ppl = t.name();
            if (t instanceof EvalPlan.Mc && mc == null) mc = t.name();
        }
        if (plan.report()) {
            ReportBuilder.build(table, dir, List.of("trit eval " + plan.file().getFileName() + ": " + plan.entries().size() + " models, "
                    + plan.tasks().size() + " tasks" + (plan.baseline() == null ? "" : ", KLD against " + plan.baseline()) + "."));
        }
        new ComparisonTable(table, ppl == null ? "" : ppl, mc).print(o);
        o.println();
        o.printf(Locale.ROOT, "results: %s (%d rows), %s%s%n", dir.resolve("results.arrow"), rows.size(), dir.resolve("results.json"),
                plan.report() ? "; report: " + dir.resolve("index.html") : "");
    }

    /** An exclusive lock on DIR/eval.lock for as long as a run (or merge) writes DIR. */
    record Lock(FileChannel channel, FileLock lock) implements AutoCloseable {
        static Lock acquire(Path dir) throws IOException {
            FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw new Main.FailureException(dir + " is being written by another trit eval or merge (" + LOCK
                        + " is locked); wait for it to finish or use another --out");
            }
            return new Lock(ch, l);
        }

        @Override
        public void close() throws IOException {
            lock.release();
            channel.close();
        }
    }

    /** One run of the plan's units that belong to this shard. */
    private final class Run {
        final EvalPlan plan;
        final Path dir, unitsDir;
        final int shardIndex, shards;
        final PrintWriter err;
        final Map<String, EvalPlan.Entry> entries = new LinkedHashMap<>();
        final Map<String, Map<Integer, TopLogprobs[]>> refTops = new HashMap<>();
        final List<ResultRow> streamed = new ArrayList<>();
        EvalProgress progress;

        Run(EvalPlan plan, Path dir, int shardIndex, int shards, PrintWriter err) {
            this.plan = plan;
            this.dir = dir;
            this.unitsDir = dir.resolve("units");
            this.shardIndex = shardIndex;
            this.shards = shards;
            this.err = err;
            for (EvalPlan.Entry e : plan.entries()) entries.put(e.label(), e);
        }

        void run() throws IOException {
            Files.createDirectories(unitsDir);
            List<EvalUnit> units = units(plan);
            long expected = 0;
            for (EvalUnit u : units) {
                EvalUnit known = known(u);
                if (known != null) expected += mine(known);
                else if (u.kind().equals(EvalUnit.WEIGHTS)) expected += u.inShard(0, shardIndex, shards) ? 1 : 0;
                else if (u.kind().equals(EvalUnit.WIKITEXT)) continue; // counted once its documents are tokenized
                else if (u.kind().equals(EvalUnit.MC)) expected += shareOf(mcItems((EvalPlan.Mc) task(u)).size());
                else if (((EvalPlan.Ppl) task(u)).maxWindows() > 0) expected += shareOf(((EvalPlan.Ppl) task(u)).maxWindows());
            }
            progress = new EvalProgress(err, units.size(), expected);
            try (Parallel pool = engine.pool()) {
                for (EvalUnit u : units) runUnit(u, pool);
            }
        }

        private final Map<String, List<McItem>> mcItems = new HashMap<>();

        private List<McItem> mcItems(EvalPlan.Mc t) throws IOException {
            List<McItem> items = mcItems.get(t.name());
            if (items == null) {
                McDataset.Options options = new McDataset.Options(null, t.method() == McMethod.HARNESS, t.limit());
                if (t.shots() == 0) {
                    items = McDataset.read(t.task(), t.data(), options);
                } else {
                    // every doc's examples are drawn here, for all items in order, before the shards take theirs:
                    // shard i's item j has the examples of item j in a single run (the harness's one Random per task)
                    List<McDataset.McDoc> docs = McDataset.readDocs(t.task(), t.data(), options);
                    items = McCommand.fewShots(t.task(), docs, t.data(), t.fewshotData(), t.shots(), t.fewshotSeed()).items();
                }
                mcItems.put(t.name(), items);
            }
            return items;
        }

        private long shareOf(int items) {
            return (items - shardIndex + shards - 1) / shards;
        }

        private long mine(EvalUnit u) {
            long n = 0;
            for (int j = 0; j < u.items(); j++) if (u.inShard(j, shardIndex, shards)) n++;
            return n;
        }

        private EvalUnit known(EvalUnit u) throws IOException {
            Path f = unitsDir.resolve(u.id() + ".json");
            return Files.exists(f) ? EvalUnit.fromJson(f) : null;
        }

        private EvalPlan.Task task(EvalUnit u) {
            for (EvalPlan.Task t : plan.tasks()) if (t.name().equals(u.task())) return t;
            throw new IllegalStateException(u.task());
        }

        private EvalPlan.Entry entry(EvalUnit u) {
            return entries.get(u.variant().isEmpty() ? u.model() : u.model() + "/" + u.variant());
        }

        private void runUnit(EvalUnit planned, Parallel pool) throws IOException {
            EvalUnit u = known(planned);
            if (u != null && !u.withItems(-1).equals(planned.withItems(-1))) {
                throw new Main.FailureException(unitsDir.resolve(u.id() + ".json") + ": the unit differs from the plan's; use another --out");
            }
            Path journalFile = unitsDir.resolve(planned.id() + ".journal");
            TreeMap<Integer, byte[]> records = new TreeMap<>();
            String label = entry(planned).label() + " " + planned.task();
            if (u != null && u.items() >= 0) {
                records = EvalJournal.read(journalFile);
                if (missing(u, records).isEmpty()) {
                    progress.skipUnit(planned.ordinal(), label, mine(u));
                    unitDone(u, records);
                    return;
                }
            }
            EvalPlan.Entry e = entry(planned);
            records = new TreeMap<>();
            switch (planned.kind()) {
                case EvalUnit.WEIGHTS -> {
                    u = planned;
                    u.writeSpec(unitsDir.resolve(u.id() + ".json"));
                    try (EvalJournal j = EvalJournal.open(journalFile, records)) {
                        List<Integer> todo = missing(u, records);
                        progress.startUnit(u.ordinal(), label, mine(u), mine(u) - todo.size());
                        if (!todo.isEmpty()) {
                            int ctx = 256;
                            for (EvalPlan.Task t : plan.tasks()) if (t instanceof EvalPlan.Ppl p) { ctx = p.ctx(); break; }
                            boolean layers = e.build() == null || e.build().ternarize();
                            byte[] payload = EvalUnit.weightsPayload(ModelEval.weightRows(e.model(), e.variant(), built(e), ctx, layers));
                            j.append(0, payload);
                            records.put(0, payload);
                            progress.item(0);
                        }
                    }
                }
                case EvalUnit.MC -> {
                    EvalPlan.Mc t = (EvalPlan.Mc) task(planned);
                    List<McItem> items = mcItems(t);
                    u = checked(planned.withItems(items.size()));
                    try (EvalJournal j = EvalJournal.open(journalFile, records)) {
                        List<Integer> todo = missing(u, records);
                        progress.startUnit(u.ordinal(), label, mine(u), mine(u) - todo.size());
                        if (!todo.isEmpty()) {
                            try (LoadedModel lm = EngineOptions.open(built(e), pool, ActivationMode.FLOAT,
                                    McScorer.warmup(t.method(), false, todo.stream().map(items::get).toList(), McCommand.WARMUP_ITEMS))) {
                                McScorer scorer = new McScorer(new TransformerLogits(lm.transformer()), TextEncoder.of(lm.tokenizer()), t.method(), false);
                                for (int idx : todo) {
                                    ItemScore s;
                                    try {
                                        s = scorer.score(items.get(idx));
                                    } catch (IllegalArgumentException ex) {
                                        throw new Main.FailureException(t.data() + ": " + ex.getMessage());
                                    }
                                    byte[] payload = EvalUnit.mcPayload(s);
                                    j.append(idx, payload);
                                    records.put(idx, payload);
                                    progress.item(s.choices().stream().mapToLong(ChoiceScore::tokens).sum());
                                }
                            }
                        }
                    }
                }
                case EvalUnit.PPL -> {
                    EvalPlan.Ppl t = (EvalPlan.Ppl) task(planned);
                    try (LoadedModel lm = EngineOptions.open(built(e), pool, ActivationMode.FLOAT, EngineOptions.windowsWarmup(t.ctx(), t.protocol()))) {
                        String text = PplCommand.readText(t.text());
                        if (t.maxWindows() > 0) {
                            int per = t.protocol() == EvalWindow.Protocol.HF ? t.ctx() - 1 : t.ctx();
                            text = DemoCommand.excerpt(text, lm.tokenizer(), t.maxWindows() * per);
                        }
                        List<EvalWindow> windows = KldCommand.windows(lm, text, t.ctx(), t.protocol(), t.maxWindows(), t.text());
                        boolean fresh = known(planned) == null;
                        u = checked(planned.withItems(windows.size()));
                        if (fresh) progress.expect(mine(u) - (t.maxWindows() > 0 ? shareOf(t.maxWindows()) : 0));
                        try (EvalJournal j = EvalJournal.open(journalFile, records)) {
                            List<Integer> todo = missing(u, records);
                            progress.startUnit(u.ordinal(), label, mine(u), mine(u) - todo.size());
                            List<Map<Integer, TopLogprobs[]>> refs = new ArrayList<>();
                            for (EvalUnit.Ref r : u.refs()) refs.add(refTop(r.unit()));
                            TransformerLogits logits = new TransformerLogits(lm.transformer());
                            for (int idx : todo) {
                                EvalWindow w = windows.get(idx);
                                byte[] payload = window(logits, w, u.topK(), refs, u, idx);
                                j.append(idx, payload);
                                records.put(idx, payload);
                                progress.item(w.input().length);
                            }
                        }
                    }
                }
                case EvalUnit.WIKITEXT -> {
                    EvalPlan.Wikitext t = (EvalPlan.Wikitext) task(planned);
                    try (LoadedModel lm = EngineOptions.open(built(e), pool)) {
                        List<String> pages = WikitextDocuments.split(PplCommand.readText(t.text()));
                        int maxPositions = lm.config().maxPositions();
                        int maxLength = t.ctx() > 0 ? t.ctx() : maxPositions;
                        if (maxLength > maxPositions) throw new Main.FailureException("ppl " + t.name() + ": ctx " + maxLength + " exceeds the model's context of " + maxPositions);
                        Tokenizer tok = lm.tokenizer();
                        OptionalInt prefix = tok.bos().isPresent() ? tok.bos() : tok.eos();
                        if (prefix.isEmpty()) throw new Main.FailureException(e.label() + ": the tokenizer has neither BOS nor EOS to condition the first token on");
                        boolean parseSpecial = tok.parsesSpecialByDefault();
                        WikitextTask task = new WikitextTask(new TransformerLogits(lm.transformer()), str -> tok.encode(str, t.docBos(), parseSpecial),
                                prefix.getAsInt(), maxLength);
                        // the items: every document's rolling windows in order (an empty document: one item without a window)
                        int docs = t.maxDocs() > 0 ? Math.min(t.maxDocs(), pages.size()) : pages.size();
                        List<int[]> itemDoc = new ArrayList<>();
                        List<RollingWindows.Window> itemWindow = new ArrayList<>();
                        for (int d = 0; d < docs; d++) {
                            List<RollingWindows.Window> ws = task.windows(task.tokens(pages.get(d)));
                            if (ws.isEmpty()) {
                                itemDoc.add(new int[]{d});
                                itemWindow.add(null);
                            }
                            for (RollingWindows.Window w : ws) {
                                itemDoc.add(new int[]{d});
                                itemWindow.add(w);
                            }
                        }
                        boolean fresh = known(planned) == null;
                        u = checked(planned.withItems(itemWindow.size()));
                        if (fresh) progress.expect(mine(u));
                        try (EvalJournal j = EvalJournal.open(journalFile, records)) {
                            List<Integer> todo = missing(u, records);
                            progress.startUnit(u.ordinal(), label, mine(u), mine(u) - todo.size());
                            for (int idx : todo) {
                                RollingWindows.Window w = itemWindow.get(idx);
                                String page = pages.get(itemDoc.get(idx)[0]);
                                byte[] payload = EvalUnit.wikitextPayload(itemDoc.get(idx)[0], WikitextTask.words(page), WikitextTask.bytes(page),
                                        w == null ? new double[0] : task.scoreWindow(w));
                                j.append(idx, payload);
                                records.put(idx, payload);
                                progress.item(w == null ? 0 : w.input().length);
                            }
                        }
                    }
                }
                default -> throw new IllegalStateException(planned.kind());
            }
            unitDone(u, records);
        }

        /** The unit with its item count, its spec written, or checked against the one written before. */
        private EvalUnit checked(EvalUnit u) throws IOException {
            EvalUnit k = known(u);
            if (k != null && !k.equals(u)) {
                throw new Main.FailureException(unitsDir.resolve(u.id() + ".json") + ": unit " + u.id() + " had " + k.items() + " items, now " + u.items()
                        + " (the model, text or data changed); use another --out");
            }
            if (k == null) u.writeSpec(unitsDir.resolve(u.id() + ".json"));
            return u;
        }

        private List<Integer> missing(EvalUnit u, Map<Integer, byte[]> records) {
            List<Integer> m = new ArrayList<>();
            for (int j = 0; j < u.items(); j++) if (u.inShard(j, shardIndex, shards) && !records.containsKey(j)) m.add(j);
            return m;
        }

        /** One window: NLL per position, the top-k if this unit is a reference, and the comparison with every reference. */
        private byte[] window(TransformerLogits model, EvalWindow w, int topK, List<Map<Integer, TopLogprobs[]>> refs, EvalUnit u, int idx) {
            if (w.input().length > model.maxTokens()) {
                throw new Main.FailureException("window of " + w.input().length + " tokens exceeds the model's context of " + model.maxTokens());
            }
            float[][] logits = model.logits(w.input());
            int n = w.targets().length;
            double[] nll = new double[n];
            TopLogprobs[] top = topK > 0 ? new TopLogprobs[n] : null;
            List<KlDivergence[]> vs = new ArrayList<>();
            List<TopLogprobs[]> bases = new ArrayList<>();
            for (int r = 0; r < refs.size(); r++) {
                TopLogprobs[] b = refs.get(r).get(idx);
                if (b == null) throw new Main.FailureException("unit " + u.id() + ": reference " + u.refs().get(r).unit() + " has no window " + idx + " (run it first)");
                if (b.length != n) throw new Main.FailureException("unit " + u.id() + ": window " + idx + " has " + n + " positions, the reference's " + b.length);
                bases.add(b);
                vs.add(new KlDivergence[n]);
            }
            for (int p = 0; p < n; p++) {
                float[] row = logits[w.firstScored() + p];
                int target = w.targets()[p];
                nll[p] = -LogSoftmax.logProb(row, target);
                if (top != null) top[p] = TopLogprobs.of(row, topK, target);
                for (int r = 0; r < bases.size(); r++) {
                    TopLogprobs b = bases.get(r)[p];
                    if (b.token() != target) {
                        throw new Main.FailureException("unit " + u.id() + ": window " + idx + " position " + p + " is token " + target + ", the reference's "
                                + b.token() + " (another tokenizer?)");
                    }
                    vs.get(r)[p] = KlDivergence.of(b, row);
                }
            }
            return EvalUnit.pplPayload(nll, top, vs);
        }

        private Map<Integer, TopLogprobs[]> refTop(String unit) throws IOException {
            Map<Integer, TopLogprobs[]> m = refTops.get(unit);
            if (m == null) {
                m = EvalUnit.topK(EvalJournal.read(unitsDir.resolve(unit + ".journal")));
                refTops.put(unit, m);
            }
            return m;
        }

        /** A whole run (one shard): the unit's rows join DIR/results.arrow as soon as it is done. */
        private void unitDone(EvalUnit u, TreeMap<Integer, byte[]> records) throws IOException {
            if (u.topK() > 0) refTops.put(u.id(), EvalUnit.topK(records));
            if (shards != 1) return;
            streamed.addAll(u.rows(records, dir));
            ResultFiles.writeArrow(new ResultTable(streamed), dir.resolve("results.arrow"));
        }

        /** The entry's model file: given, or built into DIR/work (once; a marker file says it is complete). */
        private Path built(EvalPlan.Entry e) throws IOException {
            if (e.build() == null) return e.path();
            Path work = dir.resolve("work");
            Files.createDirectories(work);
            Path f = work.resolve(e.model() + "-" + e.variant().replaceFirst("^gguf-", "") + ".gguf");
            Path marker = work.resolve(f.getFileName() + ".built");
            if (Files.exists(marker) && Files.exists(f)) return f;
            EvalPlan.Build b = e.build();
            err.printf(Locale.ROOT, "eval: building %s from %s (%s)%n", f.getFileName(), b.from(), b.spec());
            err.flush();
            Converter.convert(b.from(), f, new Converter.Options(b.type(), b.ternarize(), true, true), Progress.NONE);
            Files.writeString(marker, b.spec() + "\n");
            return f;
        }
    }
}
