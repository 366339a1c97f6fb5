package dev.trit.cli;

import dev.trit.analysis.EnergyModel;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ModelAnalysis;
import dev.trit.analysis.ModelAnalyzer;
import dev.trit.analysis.ResultRow;
import dev.trit.engine.ActivationMode;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.Accuracy;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.KldStats;
import dev.trit.engine.eval.LogitsDump;
import dev.trit.engine.eval.LogitsRun;
import dev.trit.engine.eval.McItem;
import dev.trit.engine.eval.McMethod;
import dev.trit.engine.eval.McResult;
import dev.trit.engine.eval.McScorer;
import dev.trit.engine.eval.McTask;
import dev.trit.engine.eval.TextEncoder;
import dev.trit.engine.eval.TransformerLogits;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Measures one model the way {@code trit demo} and {@code trit compare} need it, as result rows
 * (schema trit.results/1): size and bits per weight ({@link ModelAnalyzer}), perplexity on text
 * windows with KL-divergence and top-1 agreement against reference models (one pass of the model,
 * {@link LogitsRun#pass}), multiple-choice accuracy, a short speed probe and the estimated
 * arithmetic energy per token.
 */
final class ModelEval {
    private ModelEval() {
    }

    /** The text windows and tasks every model of a run is measured on. */
    record Protocol(String text, Path textFile, String textTask, int ctx, int maxWindows, int topK, Mc mc, boolean speed) {
    }

    /** A multiple-choice task: its items (already read) and where they came from. */
    record Mc(McTask task, String name, Path data, List<McItem> items) {
    }

    /**
     * A model other models are compared with.
     *
     * @param task the task name its KLD rows get (the text task, or e.g. "wikitext-2-test vs demo-bitnet/hf-packed")
     */
    record Reference(String label, String task, LogitsDump dump) {
    }

    /** The rows of one model and, when asked for, its logits dump (to serve as a reference). */
    record Measured(List<ResultRow> rows, LogitsDump dump) {
    }

    /** Variants whose linear weights are ternary (or binary): priced by the energy model as BitLinear. */
    private static final Set<String> TERNARY_STORAGE = Set.of("hf-packed", "gguf-tq1_0", "gguf-tq2_0", "gguf-i2_s", "gguf-q1_0");

    /** Context position whose energy is quoted (the protocol's window length). */
    static final String ENERGY_TASK = EnergyModel.Node.NM7.task();

    /**
     * @param layers    also keep the per-layer share of -1/0/+1 (for the report's chart)
     * @param keepDump  return the model's own top-k dump, to compare later models with
     * @param progress  one line per phase
     */
    static Measured run(String model, String variant, Path path, Protocol p, List<Reference> refs, boolean layers, boolean keepDump,
                        Parallel pool, Consumer<String> progress) throws IOException {
        List<ResultRow> rows = weightRows(model, variant, path, p.ctx(), layers);

        // the model maps its weight files: closed when this model is measured
        try (LoadedModel lm = EngineOptions.open(path, pool, ActivationMode.FLOAT, EngineOptions.windowsWarmup(p.ctx(), EvalWindow.Protocol.HF))) {
            TransformerLogits logits = new TransformerLogits(lm.transformer());
            List<EvalWindow> windows = KldCommand.windows(lm, p.text(), p.ctx(), EvalWindow.Protocol.HF, p.maxWindows(), p.textFile());
            progress.accept("perplexity and KLD over " + windows.size() + " windows of " + p.ctx() + " tokens"
                    + (refs.isEmpty() ? "" : " against " + String.join(", ", refs.stream().map(Reference::label).toList())));
            LogitsRun.Pass pass;
            try {
                pass = LogitsRun.pass(logits, windows, refs.stream().map(Reference::dump).toList(), keepDump ? p.topK() : 0,
                        Map.of("model", path.toString(), "ctx", Integer.toString(p.ctx()), "protocol", "hf"), null);
            } catch (IllegalArgumentException e) {
                throw new Main.FailureException(path + ": cannot compare with the reference (" + e.getMessage() + ")");
            }
            rows.add(ResultRow.of(model, variant, p.textTask(), "", Metrics.PERPLEXITY, pass.perplexity()));
            rows.add(ResultRow.of(model, variant, p.textTask(), "", Metrics.NLL_MEAN, pass.nllSum() / pass.tokens()));
            rows.add(ResultRow.of(model, variant, p.textTask(), "", Metrics.TOKENS, pass.tokens()));
            for (int i = 0; i < refs.size(); i++) {
                KldStats.Summary s = pass.vsBases().get(i).summary();
                String task = refs.get(i).task();
                rows.add(ResultRow.of(model, variant, task, "", Metrics.KLD_MEAN, s.kld().value()));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.KLD_P99, s.kldPercentiles().get("99.0%")));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.TOP1_AGREEMENT, s.sameTop().value()));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.DELTA_PPL, s.pplDiff().value()));
            }
            if (p.mc() != null) {
                Mc mc = p.mc();
                progress.accept(mc.name() + ", " + mc.items().size() + " items (lm-evaluation-harness scoring)");
                McScorer scorer = new McScorer(logits, TextEncoder.of(lm.tokenizer()), McMethod.HARNESS, false);
                McResult r;
                try {
                    r = scorer.run(mc.task(), mc.items(), s -> { });
                } catch (IllegalArgumentException e) {
                    throw new Main.FailureException(mc.data() + ": " + e.getMessage());
                }
                for (Accuracy acc : r.metrics()) {
                    rows.add(ResultRow.of(model, variant, mc.name(), "", acc.metric(), acc.value()));
                    rows.add(ResultRow.of(model, variant, mc.name(), "", acc.metric() + "_stderr", acc.stderr()));
                }
                rows.add(ResultRow.of(model, variant, mc.name(), "", Metrics.ITEMS, r.items().size()));
            }
            if (p.speed()) {
                progress.accept("speed probe (prefill " + PROBE_PROMPT + " tokens, decode " + PROBE_DECODE + ")");
                int[] prompt = Arrays.copyOf(windows.getFirst().input(), Math.min(PROBE_PROMPT, windows.getFirst().input().length));
                SpeedProbe.Speed s = SpeedProbe.measure(lm.transformer(), prompt, PROBE_DECODE, 2);
                rows.add(ResultRow.of(model, variant, SPEED_TASK, "", Metrics.PREFILL_TOK_S, s.prefillTokS()));
                rows.add(ResultRow.of(model, variant, SPEED_TASK, "", Metrics.DECODE_TOK_S, s.decodeTokS()));
            }
            return new Measured(rows, pass.dump());
        }
    }

    /**
     * Size, parameters, bits per weight (whole file and linear layers), share of zeros, optionally the
     * per-layer share of -1/0/+1, and the estimated arithmetic energy per token at context {@code ctx}.
     */
    static List<ResultRow> weightRows(String model, String variant, Path path, int ctx, boolean layers) throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        ModelAnalysis a = ModelAnalyzer.analyze(path, false);
        for (ResultRow r : a.toRows()) {
            boolean linear = r.scope().equals(ModelAnalysis.SCOPE_LINEAR) && r.variant().equals(a.variant())
                    && r.metric().equals(Metrics.BITS_PER_WEIGHT);
            boolean whole = r.scope().isEmpty() && r.variant().equals(a.variant())
                    && (r.metric().equals(Metrics.SIZE_BYTES) || r.metric().equals(Metrics.BITS_PER_WEIGHT) || r.metric().equals(Metrics.PARAMETERS)
                    || r.metric().equals(Metrics.SHARE_ZERO));
            boolean layer = layers && r.scope().startsWith("layer.")
                    && (r.metric().equals(Metrics.SHARE_NEG) || r.metric().equals(Metrics.SHARE_ZERO) || r.metric().equals(Metrics.SHARE_POS));
            if (whole || linear || layer) rows.add(new ResultRow(model, variant, r.task(), r.scope(), r.metric(), r.value(), r.unit()));
        }
        if (path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            try (dev.trit.formats.GgufFile g = dev.trit.formats.GgufFile.open(path)) {
                java.util.OptionalLong planned = g.integer(dev.trit.converters.Converter.PLAN_KEY);
                if (planned.isPresent()) rows.add(ResultRow.of(model, variant, "", "", Metrics.PLANNED_TENSORS, planned.getAsLong()));
            }
        }
        boolean ternary = TERNARY_STORAGE.contains(a.variant());
        EnergyModel.Count count = EnergyModel.count(a.shape(), ctx, ternary);
        rows.add(ResultRow.of(model, variant, ENERGY_TASK, "", Metrics.ENERGY_PJ_PER_TOKEN, count.total().picojoules(EnergyModel.Node.NM7)));
        return rows;
    }

    static final int PROBE_PROMPT = 128, PROBE_DECODE = 32;
    static final String SPEED_TASK = "speed-probe";
}
