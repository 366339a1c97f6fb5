package dev.trit.cli;

import dev.trit.analysis.LogitsArrowFile;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.LogitsDump;
import dev.trit.engine.eval.LogitsRun;
import dev.trit.engine.eval.TransformerLogits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code trit logits}: a baseline of top-k log-probabilities for {@code trit kld}. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Run MODEL over TEXT and write, per scored token, the top-k log-probabilities,",
                "the log of the remaining probability mass and the log-probability of the actual",
                "next token as an Arrow IPC file (columns window, position, token, token_logprob,",
                "top_ids, top_logprobs, rest_logprob): the baseline of trit kld.",
                "Windows as in trit ppl (--protocol hf or llama-cpp, --ctx, --max-windows)."})
final class LogitsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    @Mixin
    WindowOptions window;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the Arrow file to write")
    Path out;

    @Option(names = "--top-k", paramLabel = "K", description = "log-probabilities kept per token (default ${DEFAULT-VALUE})")
    int topK = 32;

    @Override
    public Integer call() throws Exception {
        EvalWindow.Protocol p = window.check();
        if (topK < 1) throw new Main.UsageException("--top-k must be at least 1");
        int ctx = window.ctx, maxWindows = window.maxWindows;
        String protocol = window.protocol;
        String content = PplCommand.readText(text);
        PrintWriter o = spec.commandLine().getOut();
        // the model's weights stay mapped until it is closed
        try (Parallel pool = engine.pool(); LoadedModel lm = EngineOptions.open(model, pool)) {
            if (topK > lm.config().vocabSize()) throw new Main.UsageException("--top-k " + topK + " exceeds the vocabulary of " + lm.config().vocabSize());
            List<EvalWindow> windows = KldCommand.windows(lm, content, ctx, p, maxWindows, text);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("model", model.toString());
            meta.put("text", text.toString());
            meta.put("ctx", Integer.toString(ctx));
            meta.put("protocol", protocol);
            meta.put("max_windows", Integer.toString(maxWindows));
            System.err.printf("logits: %s, %d windows of %d%n", model.getFileName(), windows.size(), ctx);
            LogitsDump dump = LogitsRun.dump(new TransformerLogits(lm.transformer()), windows, topK, meta, null);
            LogitsArrowFile.write(out, dump);
            o.printf(Locale.ROOT, "wrote %s: %d positions, top %d of %d tokens%n", out, dump.rows().size(), topK, dump.vocabSize());
        }
        o.flush();
        return Main.OK;
    }
}
