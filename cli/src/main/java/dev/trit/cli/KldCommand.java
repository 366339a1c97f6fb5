package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.analysis.FullLogitsArrowFile;
import dev.trit.analysis.LogitsArrowFile;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.KldStats;
import dev.trit.engine.eval.LogitsDump;
import dev.trit.engine.eval.LogitsRun;
import dev.trit.engine.eval.TransformerLogits;
import dev.trit.formats.FormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code trit kld}: KL-divergence and token statistics of a model against a {@code trit logits} baseline. */
@Command(name = "kld", mixinStandardHelpOptions = true,
        description = {"Compare MODEL on TEXT with a baseline written by trit logits: KL-divergence",
                "(mean, median, percentiles), PPL(Q)-PPL(base), same-top-1 rate and",
                "Δp = p(model) - p(base) of the actual tokens, with llama-perplexity",
                "--kl-divergence's formulas. The windows are the baseline's. Against a full",
                "baseline (trit logits' default) every statistic is over the whole vocabulary,",
                "as llama.cpp computes it; against a top-k baseline KL is over its top-k tokens",
                "plus one bucket for the rest: a lower bound of the full KL."})
final class KldCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    SourceOption source;

    @Mixin
    ActivationsOption activations;

    @Option(names = "--base", required = true, paramLabel = "FILE", description = "the baseline (trit logits --out)")
    Path base;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    @Option(names = "--json", description = "print the statistics as one JSON object")
    boolean json;

    @Option(names = "--results", paramLabel = "FILE", description = "also write kld_mean, kld_median, kld_p99, top1_agreement, delta_ppl, delta_p_rms, perplexity, tokens as a result table (.arrow: Arrow IPC, else JSON)")
    Path results;

    private String baseKind;

    @Override
    public Integer call() throws Exception {
        boolean full = FullLogitsArrowFile.KIND.equals(FullLogitsArrowFile.kind(base));
        LogitsDump dump = full ? null : LogitsArrowFile.read(base);
        try (FullLogitsArrowFile.Reader fullBase = full ? new FullLogitsArrowFile.Reader(base) : null) {
            Map<String, String> meta = full ? fullBase.metadata() : dump.metadata();
            int ctx = metaInt(meta, "ctx"), maxWindows = metaInt(meta, "max_windows");
            EvalWindow.Protocol p;
            try {
                p = protocol(meta.getOrDefault("protocol", ""));
            } catch (Main.UsageException e) {
                throw new FormatException(base, "metadata protocol \"" + meta.get("protocol") + "\" unknown");
            }
            String content = PplCommand.readText(text);
            KldStats.Summary s;
            // the model's weights stay mapped until it is closed
            try (Parallel pool = engine.pool(); LoadedModel lm = source.open(model, pool, activations.mode(), EngineOptions.windowsWarmup(ctx, p))) {
                List<EvalWindow> windows = windows(lm, content, ctx, p, maxWindows, text);
                System.err.printf("kld: %s against %s (%s), %d windows of %d%n", model.getFileName(), base.getFileName(),
                        full ? "full vocabulary" : "top " + dump.topK(), windows.size(), ctx);
                TransformerLogits logits = new TransformerLogits(lm.transformer());
                try {
                    s = (full ? LogitsRun.compareFull(logits, windows, fullBase, null) : LogitsRun.compare(logits, windows, dump, null)).summary();
                } catch (IllegalArgumentException e) {
                    throw new Main.FailureException(base + ": " + e.getMessage());
                }
            }
            baseKind = full ? "full" : "top-" + dump.topK();
            report(s, meta);
        }
        return Main.OK;
    }

    private void report(KldStats.Summary s, Map<String, String> meta) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (results != null) {
            String name = EvalResults.modelName(model), task = EvalResults.textName(text);
            EvalResults.write(results, List.of(
                    ResultRow.of(name, "", task, "", Metrics.KLD_MEAN, s.kld().value()),
                    ResultRow.of(name, "", task, "", Metrics.KLD_MEDIAN, s.kldPercentiles().get("Median")),
                    ResultRow.of(name, "", task, "", Metrics.KLD_P99, s.kldPercentiles().get("99.0%")),
                    ResultRow.of(name, "", task, "", Metrics.TOP1_AGREEMENT, s.sameTop().value()),
                    ResultRow.of(name, "", task, "", Metrics.DELTA_PPL, s.pplDiff().value()),
                    ResultRow.of(name, "", task, "", Metrics.DELTA_P_RMS, s.rmsDeltaP().value()),
                    ResultRow.of(name, "", task, "", Metrics.PERPLEXITY, s.pplModel().value()),
                    ResultRow.of(name, "", task, "", Metrics.TOKENS, s.count())));
        }
        if (json) printJson(out, s, meta);
        else printText(out, s);
        out.flush();
    }

    private int metaInt(Map<String, String> meta, String key) throws FormatException {
        try {
            return Integer.parseInt(meta.getOrDefault(key, ""));
        } catch (NumberFormatException e) {
            throw new FormatException(base, "metadata " + key + " missing or not a number (not written by trit logits?)");
        }
    }

    static EvalWindow.Protocol protocol(String name) {
        return switch (name) {
            case "hf", "transformers" -> EvalWindow.Protocol.HF;
            case "llama-cpp", "llama.cpp" -> EvalWindow.Protocol.LLAMA_CPP;
            default -> throw new Main.UsageException("--protocol must be hf or llama-cpp, not " + name);
        };
    }

    static List<EvalWindow> windows(LoadedModel lm, String content, int ctx, EvalWindow.Protocol p, int maxWindows, Path text) {
        int[] ids = EvalWindow.tokens(lm.tokenizer(), content, p);
        int bos = lm.tokenizer().bos().orElse(lm.config().bosTokenId());
        if (ctx > lm.config().maxPositions()) throw new Main.UsageException("--ctx " + ctx + " exceeds the model's context of " + lm.config().maxPositions());
        List<EvalWindow> windows = EvalWindow.cut(ids, ctx, bos, p, maxWindows);
        if (windows.isEmpty()) throw new Main.FailureException(text + ": " + ids.length + " tokens make no full window of context " + ctx);
        return windows;
    }

    private static void printText(PrintWriter out, KldStats.Summary s) {
        out.printf(Locale.ROOT, "====== Perplexity statistics (%d tokens) ======%n", s.count());
        out.printf(Locale.ROOT, "Mean PPL(Q)                   : %10.6f ± %10.6f%n", s.pplModel().value(), s.pplModel().uncertainty());
        out.printf(Locale.ROOT, "Mean PPL(base)                : %10.6f ± %10.6f%n", s.pplBase().value(), s.pplBase().uncertainty());
        out.printf(Locale.ROOT, "Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%%%n", 100 * s.lnPplCorrelation());
        out.printf(Locale.ROOT, "Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f%n", s.lnPplRatio().value(), s.lnPplRatio().uncertainty());
        out.printf(Locale.ROOT, "Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f%n", s.pplRatio().value(), s.pplRatio().uncertainty());
        out.printf(Locale.ROOT, "Mean PPL(Q)-PPL(base)         : %10.6f ± %10.6f%n", s.pplDiff().value(), s.pplDiff().uncertainty());
        out.println();
        out.println("====== KL divergence statistics ======");
        out.printf(Locale.ROOT, "Mean    KLD: %10.6f ± %10.6f%n", s.kld().value(), s.kld().uncertainty());
        s.kldPercentiles().forEach((k, v) -> out.printf(Locale.ROOT, "%s KLD: %10.6f%n", label(k), v));
        out.println();
        out.println("====== Token probability statistics ======");
        out.printf(Locale.ROOT, "Mean    Δp: %6.3f ± %5.3f %%%n", 100 * s.deltaP().value(), 100 * s.deltaP().uncertainty());
        s.deltaPPercentiles().forEach((k, v) -> out.printf(Locale.ROOT, "%s Δp: %6.3f%%%n", label(k), 100 * v));
        out.printf(Locale.ROOT, "RMS Δp    : %6.3f ± %5.3f %%%n", 100 * s.rmsDeltaP().value(), 100 * s.rmsDeltaP().uncertainty());
        out.printf(Locale.ROOT, "Same top p: %6.3f ± %5.3f %%%n", 100 * s.sameTop().value(), 100 * s.sameTop().uncertainty());
    }

    /** llama-perplexity's row labels: "Maximum", "99.9%  ", " 5.0%  ", "Median ". */
    private static String label(String k) {
        return String.format(Locale.ROOT, "%-7s", k.endsWith("%") ? String.format(Locale.ROOT, "%5s", k) : k);
    }

    private void printJson(PrintWriter out, KldStats.Summary s, Map<String, String> meta) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("model", model.toString());
        o.put("base", base.toString());
        o.put("base_model", meta.getOrDefault("model", ""));
        o.put("base_kind", baseKind);
        o.put("tokens", s.count());
        estimate(o, "ppl", s.pplModel());
        estimate(o, "ppl_base", s.pplBase());
        number(o, "ln_ppl_correlation", s.lnPplCorrelation());
        estimate(o, "ln_ppl_ratio", s.lnPplRatio());
        estimate(o, "ppl_ratio", s.pplRatio());
        estimate(o, "delta_ppl", s.pplDiff());
        estimate(o, "kld_mean", s.kld());
        number(o, "kld_median", s.kldPercentiles().get("Median"));
        number(o, "kld_p99", s.kldPercentiles().get("99.0%"));
        ObjectNode kq = o.putObject("kld_percentiles");
        s.kldPercentiles().forEach((k, v) -> number(kq, k, v));
        estimate(o, "delta_p_mean", s.deltaP());
        ObjectNode pq = o.putObject("delta_p_percentiles");
        s.deltaPPercentiles().forEach((k, v) -> number(pq, k, v));
        estimate(o, "delta_p_rms", s.rmsDeltaP());
        estimate(o, "same_top", s.sameTop());
        out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }

    private static void estimate(ObjectNode o, String name, KldStats.Estimate e) {
        number(o, name, e.value());
        number(o, name + "_stderr", e.uncertainty());
    }

    /** JSON has no NaN or infinity: those become null. */
    static void number(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) o.put(name, v);
        else o.putNull(name);
    }
}
