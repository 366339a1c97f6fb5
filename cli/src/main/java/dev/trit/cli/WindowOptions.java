package dev.trit.cli;

import dev.trit.engine.eval.EvalWindow;
import picocli.CommandLine.Option;

/** How a text is cut into scored windows: shared by ppl and logits (a picocli mixin; kld reads them from its baseline). */
final class WindowOptions {
    @Option(names = "--ctx", paramLabel = "N", description = "context per window (default ${DEFAULT-VALUE}; ppl lm-eval-wikitext: the model's max_position_embeddings)")
    int ctx = 256;

    @Option(names = "--protocol", paramLabel = "P", description = "hf or llama-cpp (ppl also lm-eval-wikitext) (default ${DEFAULT-VALUE})")
    String protocol = "hf";

    @Option(names = "--max-windows", paramLabel = "N", description = "score at most N windows (default: all)")
    int maxWindows;

    /** The protocol, after checking the three options; a bad value is a usage error. */
    EvalWindow.Protocol check() {
        EvalWindow.Protocol p = KldCommand.protocol(protocol);
        if (ctx < 4) throw new Main.UsageException("--ctx must be at least 4");
        if (maxWindows < 0) throw new Main.UsageException("--max-windows must not be negative");
        return p;
    }
}
