package dev.trit.analysis;

import dev.trit.engine.KvCache;
import dev.trit.engine.Transformer;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs a token stream through a model in the transformers protocol's windows ([BOS] + ctx−1 tokens,
 * consecutive, fresh cache each, as {@code trit ppl --protocol hf} and the fixtures' oracles) with an
 * {@link ActivationStats} watching every linear's input. All ctx rows of a window are observed, the BOS
 * row and the last row (which predicts past the window) included, as a forward pre-hook sees them.
 */
public final class ActivationsRun {
    private ActivationsRun() {
    }

    /** Windows of ctx the stream yields (a trailing partial window is dropped). */
    public static int windowCount(int tokens, int ctx) {
        return tokens / (ctx - 1);
    }

    /**
     * @param maxWindows at most this many windows (0: all)
     * @param progress   told the number of windows done after each, or null
     * @throws IllegalStateException when some linear was not observed in every window
     */
    public static List<LinearActivations> run(Transformer model, int[] ids, int bos, int ctx, int maxWindows, IntConsumer progress) {
        if (ctx < 2) throw new IllegalArgumentException("context " + ctx + " too small");
        int windows = windowCount(ids.length, ctx);
        if (maxWindows > 0) windows = Math.min(windows, maxWindows);
        if (windows == 0) throw new IllegalArgumentException(ids.length + " tokens make no full window of context " + ctx);
        ActivationStats stats = new ActivationStats();
        KvCache cache = model.newCache(ctx);
        int[] input = new int[ctx];
        model.observer(stats);
        try {
            for (int w = 0; w < windows; w++) {
                input[0] = bos;
                System.arraycopy(ids, w * (ctx - 1), input, 1, ctx - 1);
                cache.clear();
                // firstLogit 0: the LM head runs on every row, so its input is observed on every row
                model.forward(input, cache, 0);
                if (progress != null) progress.accept(w + 1);
            }
        } finally {
            model.observer(null);
        }
        return stats.results(model.config().layers(), windows);
    }
}
