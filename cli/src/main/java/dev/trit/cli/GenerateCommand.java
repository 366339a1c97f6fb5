package dev.trit.cli;

import dev.trit.engine.Generator;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.IntPredicate;

/** {@code trit generate}: continue a prompt, streaming the text as it is produced. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue PROMPT with MODEL (HF directory or .gguf). Greedy by default;",
                "--temperature > 0 samples with top-p. Text goes to stdout, speed to stderr."})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    ActivationsOption activations;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "the prompt text")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, description = "new tokens at most (default ${DEFAULT-VALUE})")
    int maxTokens = 64;

    @Option(names = "--temperature", description = "0 for greedy (default ${DEFAULT-VALUE})")
    double temperature = 0;

    @Option(names = "--top-p", description = "nucleus mass when sampling (default ${DEFAULT-VALUE})")
    double topP = 0.9;

    @Option(names = "--seed", description = "random seed when sampling (default ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--chat", description = {"PROMPT is a user message: render [system, user] with the model's chat",
            "template, print only the reply, stop at generation_config.json's EOS ids"})
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message before the user message (with --chat)")
    String system;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < 1) throw new Main.UsageException("--max-tokens must be at least 1");
        if (temperature < 0 || !(topP > 0 && topP <= 1)) throw new Main.UsageException("--temperature must be >= 0 and --top-p in (0, 1]");
        if (system != null && !chat) throw new Main.UsageException("--system needs --chat");
        PrintWriter out = spec.commandLine().getOut();
        try (Parallel pool = engine.pool(); LoadedModel m = EngineOptions.open(model, pool, activations.mode())) {
            ChatPrompt chatPrompt = chat ? ChatPrompt.of(m, system, prompt) : null;
            int[] ids = chat ? chatPrompt.ids() : m.tokenizer().encode(prompt, true);
            int ctx = m.config().maxPositions();
            if (ids.length >= ctx) throw new Main.FailureException("the prompt has " + ids.length + " tokens, the model's context is " + ctx);
            Sampler sampler = temperature == 0 ? new Sampler.Greedy() : new Sampler.TopP(temperature, topP, new SplittableRandom(seed));
            int[] generated = new int[maxTokens];
            int[] count = {0};
            String[] shown = {""};
            // What transformers shows: decode(prompt + new)[len(decode(prompt)):]. Decoding the new
            // tokens alone would lose what depends on what precedes them (SentencePiece's "▁the"
            // after the prompt decodes to " the", but to "the" at the start of a text).
            Continuation continuation = new Continuation(m.tokenizer(), ids);
            if (!chat) out.print(prompt); // a chat reply is printed alone
            out.flush();
            long start = System.nanoTime();
            int eos = m.config().eosTokenId();
            IntPredicate isEnd = chat ? chatPrompt::isStop : t -> t == eos;
            int[] result = new Generator(m.transformer(), sampler).generate(ids, Math.min(maxTokens, ctx - ids.length), isEnd, token -> {
                if (isEnd.test(token)) return; // the end marker is not text
                generated[count[0]++] = token;
                // decode everything each time: a multi-byte character may span tokens
                String text = continuation.text(Arrays.copyOf(generated, count[0]));
                if (text.startsWith(shown[0]) && !text.endsWith("\uFFFD")) {
                    out.print(text.substring(shown[0].length()));
                    out.flush();
                    shown[0] = text;
                }
            });
            String text = continuation.text(Arrays.copyOf(generated, count[0]));
            if (text.startsWith(shown[0])) out.print(text.substring(shown[0].length()));
            out.println();
            double secs = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "generate: %d prompt + %d new tokens in %.2f s (%.1f tok/s overall)%n",
                    ids.length, result.length, secs, (ids.length + result.length) / secs);
        }
        out.flush();
        return Main.OK;
    }

    /** The text of generated tokens as transformers shows it after a prompt. */
    static final class Continuation {
        private final dev.trit.engine.tokenizer.Tokenizer tokenizer;
        private final int[] prompt;
        private final int promptCodePoints;

        Continuation(dev.trit.engine.tokenizer.Tokenizer tokenizer, int[] prompt) {
            this.tokenizer = tokenizer;
            this.prompt = prompt.clone();
            String p = tokenizer.decode(prompt);
            this.promptCodePoints = p.codePointCount(0, p.length());
        }

        /** decode(prompt + generated) without its first len(decode(prompt)) characters (Python slicing). */
        String text(int[] generated) {
            int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
            System.arraycopy(generated, 0, all, prompt.length, generated.length);
            String s = tokenizer.decode(all);
            if (s.codePointCount(0, s.length()) <= promptCodePoints) return "";
            return s.substring(s.offsetByCodePoints(0, promptCodePoints));
        }
    }
}
