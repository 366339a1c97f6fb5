package dev.trit.cli;

import dev.trit.analysis.ActivationStats;
import dev.trit.analysis.ActivationsArrowFile;
import dev.trit.analysis.ActivationsRun;
import dev.trit.analysis.LinearActivations;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.EvalWindow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code trit activations}: what every linear's input looks like, and what quantizing it would cost. */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = {"Statistics of every linear's input (q/k/v/o/gate/up/down, lm_head)",
                "of MODEL on TEXT, over windows of [BOS] + ctx-1 tokens (as trit ppl",
                "--protocol hf), every row observed: per-token and per-channel absmax,",
                "channel mean and mean square, outlier channels (absmax > 8x the median",
                "channel absmax), and the mean squared error of three activation",
                "quantizers: per-token int8 absmax (BitNet b1.58), per-token 4-bit absmax",
                "(BitNet a4.8: scale 7, clamp [-8,7]) and per-window int8 absmax.",
                "BitNet inputs are taken before activation quantization (o_proj after",
                "attn_sub_norm, down_proj after ffn_sub_norm)."})
final class ActivationsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    @Option(names = "--ctx", paramLabel = "N", description = "tokens per window, BOS included (default ${DEFAULT-VALUE})")
    int ctx = 256;

    @Option(names = "--max-windows", paramLabel = "N", description = "at most N windows (default: all)")
    int maxWindows;

    @Option(names = "--json", description = "print the per-linear summary as a trit result table (schema trit.results/1) in JSON")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE.arrow", description = "write the per-token and per-channel arrays of every linear as an Arrow IPC file")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (ctx < 4) throw new Main.UsageException("--ctx must be at least 4");
        if (maxWindows < 0) throw new Main.UsageException("--max-windows must not be negative");
        String content = PplCommand.readText(text);
        PrintWriter stdout = spec.commandLine().getOut();
        List<LinearActivations> linears;
        int windows;
        try (Parallel pool = engine.pool(); LoadedModel m = EngineOptions.open(model, pool)) {
            if (ctx > m.config().maxPositions()) throw new Main.UsageException("--ctx " + ctx + " exceeds the model's context of " + m.config().maxPositions());
            int[] ids = EvalWindow.tokens(m.tokenizer(), content, EvalWindow.Protocol.HF);
            int bos = m.tokenizer().bos().orElse(m.config().bosTokenId());
            windows = ActivationsRun.windowCount(ids.length, ctx);
            if (maxWindows > 0) windows = Math.min(windows, maxWindows);
            if (windows == 0) throw new Main.FailureException(text + ": " + ids.length + " tokens make no full window of context " + ctx);
            int total = windows;
            System.err.printf("activations: %s, %d tokens, %d windows of %d%n", model.getFileName(), ids.length, total, ctx);
            try {
                linears = ActivationsRun.run(m.transformer(), ids, bos, ctx, total, w -> {
                    if (w == total || w % 50 == 0) System.err.printf("activations: window %d/%d%n", w, total);
                });
            } catch (IllegalStateException e) {
                // no silent fallback: a model whose linears the hook did not all see is not measured
                throw new Main.FailureException(model + ": cannot observe every linear: " + e.getMessage());
            }
        }
        if (out != null) {
            ActivationsArrowFile.write(out, linears, Map.of("trit.model", model.toString(), "trit.ctx", Integer.toString(ctx),
                    "trit.windows", Integer.toString(windows), "trit.text", text.toString()));
        }
        String name = EvalResults.modelName(model), task = EvalResults.textName(text);
        if (json) {
            List<ResultRow> rows = new ArrayList<>();
            for (LinearActivations a : linears) rows.addAll(a.toRows(name, "", task));
            stdout.println(ResultFiles.toJson(new ResultTable(rows)));
        } else {
            printTable(stdout, linears, windows);
        }
        stdout.flush();
        return Main.OK;
    }

    private void printTable(PrintWriter o, List<LinearActivations> linears, int windows) {
        o.printf(Locale.ROOT, "%s on %s: %d windows of %d tokens; outlier = channel absmax > %.0fx the median channel absmax%n",
                EvalResults.modelName(model), text.getFileName(), windows, ctx, ActivationStats.OUTLIER_FACTOR);
        o.printf(Locale.ROOT, "%-32s %6s %9s %9s %9s %8s %12s %12s %12s%n", "linear", "in", "absmax", "med a_t", "med chan",
                "outliers", "int8/token", "4bit/token", "int8/tensor");
        for (LinearActivations a : linears) {
            o.printf(Locale.ROOT, "%-32s %6d %9.4g %9.4g %9.4g %8d %12.4e %12.4e %12.4e%n", a.name(), a.cols(), a.absmax(),
                    a.medianTokenAbsmax(), a.medianChanAbsmax(), a.outliers().length, a.int8TokenMse(), a.int4TokenMse(), a.int8TensorMse());
        }
        o.println("(MSE: mean (X - X^)^2 of each activation quantizer; --out FILE.arrow keeps the per-token and per-channel arrays)");
    }
}
