package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.PerplexityProtocol;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.PerplexityResult;
import dev.trit.engine.PerplexityRun;
import dev.trit.formats.FormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code trit ppl}: perplexity of a model on a text file. */
@Command(name = "ppl", mixinStandardHelpOptions = true,
        description = {"Perplexity of MODEL (HF directory or .gguf) on TEXT (a UTF-8 file).",
                "The text is tokenized whole without special tokens and cut into consecutive windows.",
                "--protocol hf (default): windows of ctx-1 tokens run as [BOS] + window, every token scored",
                "  (the protocol of the transformers oracle in fixtures/).",
                "--protocol llama-cpp: chunks of ctx tokens, first replaced by BOS, second half scored",
                "  (as llama-perplexity does)."})
final class PplCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    ActivationsOption activations;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Parameters(index = "1", paramLabel = "TEXT")
    Path text;

    @Mixin
    WindowOptions window;

    @Option(names = "--json", description = "print {\"perplexity\", \"tokens\", \"nll_mean\", ...} as JSON")
    boolean json;

    @Option(names = "--nll-out", paramLabel = "FILE", description = "write per-token NLL as an Arrow IPC file")
    Path nllOut;

    @Override
    public Integer call() throws Exception {
        EvalWindow.Protocol protocolKind = window.check();
        PerplexityProtocol p = protocolKind == EvalWindow.Protocol.LLAMA_CPP ? PerplexityProtocol.LLAMA_CPP : PerplexityProtocol.HF_WINDOWS;
        int ctx = window.ctx, maxWindows = window.maxWindows;
        String protocol = window.protocol;
        String content = readText(text);
        PrintWriter out = spec.commandLine().getOut();
        PrintStream progress = System.err;
        // the model's weights stay mapped until it is closed
        try (Parallel pool = engine.pool(); LoadedModel m = EngineOptions.open(model, pool, activations.mode())) {
            // the transformers protocol tokenizes as transformers does; the llama-cpp one keeps its ids without BOS
            // (PerplexityRun puts BOS into each chunk)
            int[] ids = protocolKind == EvalWindow.Protocol.HF ? EvalWindow.tokens(m.tokenizer(), content, protocolKind)
                    : m.tokenizer().encode(content, false);
            PerplexityRun run = new PerplexityRun(m.transformer(), ctx, p);
            if (run.windowCount(ids.length) == 0) {
                throw new Main.FailureException(text + ": " + ids.length + " tokens make no full window of context " + ctx);
            }
            progress.printf("ppl: %s, %d tokens, %d windows of %d%n", model.getFileName(), ids.length,
                    maxWindows > 0 ? Math.min(maxWindows, run.windowCount(ids.length)) : run.windowCount(ids.length), ctx);
            PerplexityResult r = run.run(ids, maxWindows, progress);
            if (nllOut != null) NllFile.write(nllOut, r.nll());
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.put("perplexity", r.perplexity());
                o.put("tokens", r.scored());
                o.put("nll_mean", r.meanNll());
                o.put("windows", r.windows());
                o.put("ctx", ctx);
                o.put("protocol", protocol);
                o.put("text_tokens", ids.length);
                o.put("model", model.toString());
                o.put("seconds", r.seconds());
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "perplexity %.4f over %d tokens (%d windows of %d, protocol %s), mean NLL %.6f, %.1f s%n",
                        r.perplexity(), r.scored(), r.windows(), ctx, protocol, r.meanNll(), r.seconds());
            }
        }
        out.flush();
        return Main.OK;
    }

    /** Reads a text file strictly as UTF-8: a binary or mis-encoded file is an error, not garbage tokens. */
    static String readText(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "no such file");
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(file, "not valid UTF-8 text");
        }
    }
}
