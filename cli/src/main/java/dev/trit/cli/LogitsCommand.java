package dev.trit.cli;

import dev.trit.analysis.FullLogitsArrowFile;
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

/** {@code trit logits}: a baseline for {@code trit kld}, full-vocabulary when it fits, else top-k. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Run MODEL over TEXT and write the baseline of trit kld as an Arrow IPC file.",
                "Full (default when it fits in --max-size): per scored token every log-probability",
                "as a 16-bit step with a per-token scale and offset, as llama-perplexity",
                "--kl-divergence-base stores them (columns window, position, token, scale,",
                "min_logprob, logprobs: fixed_size_list<uint16>[vocab]); trit kld then computes",
                "every statistic over the whole vocabulary as llama.cpp does.",
                "Top-k (--top-k K, or when the full base would exceed --max-size: k = 32): the k",
                "largest log-probabilities, the log of the rest's mass and the actual token's",
                "(columns window, position, token, token_logprob, top_ids, top_logprobs,",
                "rest_logprob); KL is then a lower bound.",
                "Windows as in trit ppl (--protocol hf or llama-cpp, --ctx, --max-windows)."})
final class LogitsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    SourceOption source;

    @Mixin
    ActivationsOption activations;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    @Mixin
    WindowOptions window;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the Arrow file to write")
    Path out;

    @Option(names = "--top-k", paramLabel = "K", description = "write a top-k baseline keeping K log-probabilities per token (default: the full distribution when it fits in --max-size, else top 32)")
    Integer topK;

    @Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "2GB",
            description = "largest full baseline (scored tokens x vocabulary x 2 bytes) written by default (default ${DEFAULT-VALUE})")
    String maxSize;

    static final int FALLBACK_TOP_K = 32;

    @Override
    public Integer call() throws Exception {
        EvalWindow.Protocol p = window.check();
        if (topK != null && topK < 1) throw new Main.UsageException("--top-k must be at least 1");
        long limit;
        try {
            limit = ConvertCommand.size(maxSize);
        } catch (Main.UsageException e) {
            throw new Main.UsageException("--max-size " + maxSize + " is not a positive size like 500MB or 2GB");
        }
        int ctx = window.ctx, maxWindows = window.maxWindows;
        String protocol = window.protocol;
        String content = PplCommand.readText(text);
        PrintWriter o = spec.commandLine().getOut();
        // the model's weights stay mapped until it is closed
        try (Parallel pool = engine.pool(); LoadedModel lm = source.open(model, pool, activations.mode(), EngineOptions.windowsWarmup(ctx, p))) {
            int vocab = lm.config().vocabSize();
            if (topK != null && topK > vocab) throw new Main.UsageException("--top-k " + topK + " exceeds the vocabulary of " + vocab);
            List<EvalWindow> windows = KldCommand.windows(lm, content, ctx, p, maxWindows, text);
            long positions = windows.stream().mapToLong(w -> w.targets().length).sum();
            long fullBytes = FullLogitsArrowFile.estimatedBytes(positions, vocab);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("model", model.toString());
            meta.put("text", text.toString());
            meta.put("ctx", Integer.toString(ctx));
            meta.put("protocol", protocol);
            meta.put("max_windows", Integer.toString(maxWindows));
            System.err.printf("logits: %s, %d windows of %d%n", model.getFileName(), windows.size(), ctx);
            TransformerLogits logits = new TransformerLogits(lm.transformer());
            if (topK == null && fullBytes <= limit) {
                try (FullLogitsArrowFile.Writer w = new FullLogitsArrowFile.Writer(out, vocab, meta)) {
                    LogitsRun.dumpFull(logits, windows, w, null);
                    w.commit();
                }
                o.printf(Locale.ROOT, "wrote %s: %d positions, all %d log-probabilities (16-bit, as llama.cpp's KLD base), %.1f MB%n",
                        out, positions, vocab, fullBytes / 1e6);
            } else {
                int k = topK != null ? topK : Math.min(FALLBACK_TOP_K, vocab);
                if (topK == null) {
                    spec.commandLine().getErr().printf(Locale.ROOT, "trit logits: note: a full baseline would take %.1f MB (%d tokens x %d vocabulary x 2 bytes), over --max-size %s:"
                            + " writing the top %d instead (trit kld's KL is then a lower bound)%n", fullBytes / 1e6, positions, vocab, maxSize, k);
                    spec.commandLine().getErr().flush();
                }
                LogitsDump dump = LogitsRun.dump(logits, windows, k, meta, null);
                LogitsArrowFile.write(out, dump);
                o.printf(Locale.ROOT, "wrote %s: %d positions, top %d of %d tokens%n", out, dump.rows().size(), k, dump.vocabSize());
            }
        }
        o.flush();
        return Main.OK;
    }
}
