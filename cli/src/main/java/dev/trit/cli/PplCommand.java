package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.PerplexityProtocol;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.PerplexityResult;
import dev.trit.engine.PerplexityRun;
import dev.trit.engine.eval.TransformerLogits;
import dev.trit.engine.eval.lmeval.WikitextDocuments;
import dev.trit.engine.eval.lmeval.WikitextTask;
import dev.trit.engine.tokenizer.Tokenizer;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** {@code trit ppl}: perplexity of a model on a text file. */
@Command(name = "ppl", mixinStandardHelpOptions = true,
        description = {"Perplexity of MODEL (HF directory or .gguf) on TEXT (a UTF-8 file).",
                "The text is tokenized whole without special tokens and cut into consecutive windows.",
                "--protocol hf (default): windows of ctx-1 tokens run as [BOS] + window, every token scored",
                "  (the protocol of the transformers oracle in fixtures/).",
                "--protocol llama-cpp: chunks of ctx tokens, first replaced by BOS, second half scored",
                "  (as llama-perplexity does).",
                "--protocol lm-eval-wikitext: lm-evaluation-harness's wikitext task on a WikiText file: one",
                "  document per article, detokenized, scored by loglikelihood_rolling in windows of the model's",
                "  max_position_embeddings (or --ctx); word_perplexity, byte_perplexity, bits_per_byte.",
                "Every protocol also reports bits_per_byte = sum(NLL) / (ln 2 * UTF-8 bytes of the scored text).",
                "--peer PATH (repeatable; a llama-perplexity of llama.cpp or bitnet.cpp, or its build dir): after trit,",
                "runs llama-perplexity -m MODEL -f TEXT -c CTX -b CTX -t THREADS [--chunks MAX_WINDOWS] -lv 4 and prints both",
                "engines' tokens/s (all chunks' tokens over the evaluation time) and PPL, and trit / peer. Its PPL",
                "compares with trit's under --protocol llama-cpp. A file whose architecture the peer calls otherwise",
                "(bitnet-b1.58: bitnet) runs the peer on a renamed temp copy."})
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

    @Option(names = "--max-docs", paramLabel = "N",
            description = "lm-eval-wikitext: score only the first N documents (the harness's --limit; default: all)")
    int maxDocs;

    @Option(names = "--doc-bos", description = {"lm-eval-wikitext: tokenize each document with the tokenizer's own special tokens",
            "(BOS where it adds one) as lm-evaluation-harness >= 0.4.9.2 does; default: without, as releases up to 0.4.9.1"})
    boolean docBos;

    @Option(names = "--nll-out", paramLabel = "FILE", description = "write per-token NLL as an Arrow IPC file")
    Path nllOut;

    static final String LM_EVAL_WIKITEXT = "lm-eval-wikitext";

    @Option(names = "--peer", paramLabel = "PATH", description = "llama-perplexity (or its build dir) to run after trit; repeatable")
    List<Path> peerPaths = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (window.protocol.equals(LM_EVAL_WIKITEXT)) return lmEvalWikitext();
        if (maxDocs != 0 || docBos) throw new Main.UsageException("--max-docs and --doc-bos belong to --protocol " + LM_EVAL_WIKITEXT);
        EvalWindow.Protocol protocolKind = window.check();
        PerplexityProtocol p = protocolKind == EvalWindow.Protocol.LLAMA_CPP ? PerplexityProtocol.LLAMA_CPP : PerplexityProtocol.HF_WINDOWS;
        int ctx = window.ctx, maxWindows = window.maxWindows;
        String protocol = window.protocol;
        List<Peer> peers = new ArrayList<>();
        for (Path given : peerPaths) peers.add(Peer.locate(given, "llama-perplexity"));
        if (!peers.isEmpty() && Files.isDirectory(model)) throw new Main.UsageException("--peer needs a GGUF file: " + model + " is a directory");
        if (!peers.isEmpty() && protocolKind != EvalWindow.Protocol.LLAMA_CPP) {
            System.err.println("ppl: the peers' PPL follows llama-perplexity's protocol; trit's is comparable with --protocol llama-cpp");
        }
        String content = readText(text);
        PrintWriter out = spec.commandLine().getOut();
        PrintStream progress = System.err;
        // the model's weights stay mapped until it is closed
        try (Parallel pool = engine.pool(); LoadedModel m = EngineOptions.open(model, pool, activations.mode(), EngineOptions.windowsWarmup(ctx, protocolKind))) {
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
            long bytes = PerplexityRun.scoredBytes(ids, m.tokenizer()::decode, r.windows(), run::scoredSpan);
            double bitsPerByte = bitsPerByte(r.nll(), bytes);
            double tritTps = r.tokensPerSecond(r.windows() * ctx);
            ObjectMapper mapper = new ObjectMapper();
            ArrayNode peerRows = mapper.createArrayNode();
            try (Peer.Session session = new Peer.Session("ppl", spec.commandLine().getErr())) {
                for (Peer peer : peers) {
                    List<String> args = new ArrayList<>(List.of("-f", text.toString(), "-c", Integer.toString(ctx), "-b", Integer.toString(ctx),
                            "-t", Integer.toString(pool.threads())));
                    if (maxWindows > 0) args.addAll(List.of("--chunks", Integer.toString(maxWindows)));
                    // verbosity 4 lets llama.cpp's own log through: its "prompt eval time" line is the throughput
                    args.addAll(List.of("-lv", "4"));
                    Peer.Run pr = session.run(peer, model, file -> {
                        List<String> a = new ArrayList<>(List.of("-m", file.toString()));
                        a.addAll(args);
                        return a;
                    });
                    Peer.PerplexityResult q;
                    try {
                        q = Peer.parsePerplexity(pr.stdout() + "\n" + pr.stderr());
                    } catch (IOException e) {
                        throw new Main.FailureException("peer " + peer + ": unreadable llama-perplexity output (" + e.getMessage() + "): " + pr.tail());
                    }
                    Path file = session.fileFor(peer, model);
                    ObjectNode po = peerRows.addObject();
                    po.put("peer", peer.given.toString());
                    po.put("executable", peer.executable.toString());
                    po.put("file", file.toString());
                    po.put("renamed_architecture", !file.equals(model));
                    po.put("perplexity", q.perplexity());
                    po.put("perplexity_error", q.error());
                    po.put("chunks", q.chunks());
                    po.put("ctx", q.ctx());
                    po.put("tokens_per_second", q.throughput());
                    po.put("eval_tokens", q.evalTokens());
                    po.put("eval_ms", q.evalMs());
                    po.put("seconds_per_pass", q.secondsPerPass());
                    po.put("trit_over_peer_tokens_per_second", tritTps / q.throughput());
                }
            }
            if (json) {
                ObjectNode o = mapper.createObjectNode();
                o.put("perplexity", r.perplexity());
                o.put("tokens", r.scored());
                o.put("nll_mean", r.meanNll());
                o.put("bits_per_byte", bitsPerByte);
                o.put("bytes", bytes);
                o.put("windows", r.windows());
                o.put("ctx", ctx);
                o.put("protocol", protocol);
                o.put("text_tokens", ids.length);
                o.put("model", model.toString());
                o.put("seconds", r.seconds());
                o.put("tokens_per_second", tritTps);
                if (!peers.isEmpty()) o.set("peers", peerRows);
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "perplexity %.4f over %d tokens (%d windows of %d, protocol %s), mean NLL %.6f, bits_per_byte %.6f over %d bytes, %.1f s%n",
                        r.perplexity(), r.scored(), r.windows(), ctx, protocol, r.meanNll(), bitsPerByte, bytes, r.seconds());
                if (!peers.isEmpty()) {
                    out.printf(Locale.ROOT, "%nbeside the peers (llama-perplexity -c %d -b %d%s; tokens/s: chunks x ctx over the evaluation time):%n", ctx, ctx,
                            maxWindows > 0 ? " --chunks " + maxWindows : "");
                    out.printf(Locale.ROOT, "%-12s %10s %12s %10s %16s%n", "engine", "chunks", "PPL", "tok/s", "trit/peer tok/s");
                    out.printf(Locale.ROOT, "%-12s %10d %12.4f %10.1f%n", "trit", r.windows(), r.perplexity(), tritTps);
                    int i = 0;
                    for (var row : peerRows) {
                        i++;
                        out.printf(Locale.ROOT, "%-12s %10d %12.4f %10.1f %15.2fx%n", "peer " + i, row.get("chunks").asInt(), row.get("perplexity").asDouble(),
                                row.get("tokens_per_second").asDouble(), row.get("trit_over_peer_tokens_per_second").asDouble());
                    }
                    i = 0;
                    for (var row : peerRows) {
                        i++;
                        out.printf(Locale.ROOT, "peer %d: %s, PPL +/- %.4f%s%n", i, row.get("executable").asText(), row.get("perplexity_error").asDouble(),
                                row.get("renamed_architecture").asBoolean() ? ", on " + row.get("file").asText() : "");
                    }
                }
            }
        }
        out.flush();
        return Main.OK;
    }

    /** sum(NLL) / (ln 2 * bytes): the scored text's information content per byte, in bits. */
    static double bitsPerByte(double[] nll, long bytes) {
        double sum = 0;
        for (double v : nll) sum += v;
        return sum / (Math.log(2) * bytes);
    }

    /**
     * lm-evaluation-harness's wikitext task (see {@link WikitextTask}): HFLM's settings are max_length =
     * the model's max_position_embeddings unless --ctx says otherwise (resolve_max_length reads n_positions,
     * max_position_embeddings, n_ctx, then the tokenizer, then 2048), prefix_token_id = BOS, else EOS.
     */
    private int lmEvalWikitext() throws Exception {
        if (window.maxWindows != 0) throw new Main.UsageException("--protocol " + LM_EVAL_WIKITEXT + " limits documents (--max-docs), not windows");
        if (maxDocs < 0) throw new Main.UsageException("--max-docs must not be negative");
        boolean ctxGiven = spec.commandLine().getParseResult().hasMatchedOption("--ctx");
        if (ctxGiven && window.ctx < 2) throw new Main.UsageException("--ctx must be at least 2");
        String content = readText(text);
        List<String> pages = WikitextDocuments.split(content);
        PrintWriter out = spec.commandLine().getOut();
        try (Parallel pool = engine.pool(); LoadedModel m = EngineOptions.open(model, pool, activations.mode())) {
            int maxPositions = m.config().maxPositions();
            int maxLength = ctxGiven ? window.ctx : maxPositions;
            if (maxLength > maxPositions) throw new Main.UsageException("--ctx " + maxLength + " exceeds the model's context of " + maxPositions);
            Tokenizer tok = m.tokenizer();
            OptionalInt prefix = tok.bos().isPresent() ? tok.bos() : tok.eos();
            if (prefix.isEmpty()) throw new Main.FailureException(model + ": the tokenizer has neither BOS nor EOS to condition the first token on");
            boolean parseSpecial = tok.parsesSpecialByDefault();
            WikitextTask task = new WikitextTask(new TransformerLogits(m.transformer()), s -> tok.encode(s, docBos, parseSpecial),
                    prefix.getAsInt(), maxLength);
            int docs = maxDocs > 0 ? Math.min(maxDocs, pages.size()) : pages.size();
            System.err.printf("ppl: %s, %s: %d of %d documents, max length %d, prefix token %d%n", model.getFileName(), LM_EVAL_WIKITEXT,
                    docs, pages.size(), maxLength, prefix.getAsInt());
            WikitextTask.Result r = task.run(pages, maxDocs, System.err);
            if (nllOut != null) NllFile.write(nllOut, r.nll());
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.put("word_perplexity", r.wordPerplexity());
                o.put("byte_perplexity", r.bytePerplexity());
                o.put("bits_per_byte", r.bitsPerByte());
                o.put("perplexity", r.tokenPerplexity());
                o.put("nll_sum", r.nllSum());
                o.put("nll_mean", r.nllSum() / r.tokens());
                o.put("tokens", r.tokens());
                o.put("words", r.words());
                o.put("bytes", r.bytes());
                o.put("documents", r.docs().size());
                o.put("documents_in_text", pages.size());
                o.put("windows", r.windows());
                o.put("ctx", maxLength);
                o.put("prefix_token", prefix.getAsInt());
                o.put("doc_bos", docBos);
                o.put("protocol", LM_EVAL_WIKITEXT);
                o.put("model", model.toString());
                o.put("seconds", r.seconds());
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "word_perplexity %.4f, byte_perplexity %.6f, bits_per_byte %.6f over %d documents (%d words, %d bytes,"
                                + " %d tokens in %d windows of max length %d, protocol %s), token perplexity %.4f, %.1f s%n",
                        r.wordPerplexity(), r.bytePerplexity(), r.bitsPerByte(), r.docs().size(), r.words(), r.bytes(), r.tokens(), r.windows(),
                        maxLength, LM_EVAL_WIKITEXT, r.tokenPerplexity(), r.seconds());
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
