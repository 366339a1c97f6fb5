package dev.trit.engine;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Random;

/** Perplexity of a model over a token stream (ids from the tokenizer, without special tokens). */
public final class PerplexityRun {
    private final Transformer model;
    private final int ctx;
    private final PerplexityProtocol protocol;
    private final int bos;
    private final boolean bosFirst;

    /**
     * @param ctx model context per window: HF_WINDOWS runs [BOS] + ctx-1 tokens, LLAMA_CPP chunks of ctx
     */
    public PerplexityRun(Transformer model, int ctx, PerplexityProtocol protocol) {
        this(model, ctx, protocol, true);
    }

    /**
     * @param bosFirst for LLAMA_CPP: whether the chunk's first token is replaced by BOS (llama.cpp does
     *                 so when the vocabulary's add_bos_token is true); HF_WINDOWS always prepends BOS
     */
    public PerplexityRun(Transformer model, int ctx, PerplexityProtocol protocol, boolean bosFirst) {
        if (ctx < 2 || (protocol == PerplexityProtocol.LLAMA_CPP && ctx < 4)) throw new IllegalArgumentException("context " + ctx + " too small");
        this.model = model;
        this.ctx = ctx;
        this.protocol = protocol;
        this.bos = model.config().bosTokenId();
        this.bosFirst = bosFirst;
    }

    /** Windows the token stream yields under this protocol (a partial trailing window is dropped). */
    public int windowCount(int tokens) {
        return protocol == PerplexityProtocol.HF_WINDOWS ? tokens / (ctx - 1) : tokens / ctx;
    }

    /**
     * The stretch [from, to) of the token stream whose tokens window {@code w} scores: HF_WINDOWS all ctx-1
     * tokens of the window, LLAMA_CPP the chunk's tokens ctx/2+1 .. ctx-1.
     */
    public int[] scoredSpan(int w) {
        return protocol == PerplexityProtocol.HF_WINDOWS ? new int[]{w * (ctx - 1), (w + 1) * (ctx - 1)}
                : new int[]{w * ctx + ctx / 2 + 1, (w + 1) * ctx};
    }

    /**
     * UTF-8 bytes of the text the scored tokens of the first {@code windows} windows stand for: per window,
     * the bytes that decoding its scored tokens adds after the token just before them,
     * {@code len(decode(ids[from-1 .. to))) - len(decode(ids[from-1 .. from)))} (at the very start of the stream,
     * {@code len(decode(ids[0 .. to)))}). The preceding token makes a leading space count as the text it is
     * (SentencePiece drops the dummy-prefix space only at the start of a decode); a character whose bytes
     * straddle a window edge in a byte-level vocabulary can move a byte or two between windows.
     */
    public static long scoredBytes(int[] ids, java.util.function.Function<int[], String> decode, int windows,
                                   java.util.function.IntFunction<int[]> span) {
        long bytes = 0;
        for (int w = 0; w < windows; w++) {
            int[] s = span.apply(w);
            int from = Math.max(s[0] - 1, 0);
            bytes += utf8(decode.apply(Arrays.copyOfRange(ids, from, s[1])));
            if (from < s[0]) bytes -= utf8(decode.apply(Arrays.copyOfRange(ids, from, s[0])));
        }
        return bytes;
    }

    private static long utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /**
     * This protocol's windows over random tokens, up to {@code windows} of them, as the warm-up of a model
     * being loaded ({@link KernelWarmup}): the same forward and scoring calls as {@link #run}.
     */
    public static KernelWarmup.Workload warmup(int ctx, PerplexityProtocol protocol, int windows) {
        return (model, stop) -> {
            PerplexityRun r = new PerplexityRun(model, ctx, protocol);
            int[] ids = new Random(1).ints(ctx, 0, model.config().vocabSize()).toArray();
            for (int w = 0; w < windows && !stop.getAsBoolean(); w++) r.run(ids, 1, null);
        };
    }

    /**
     * Scores up to maxWindows windows (0 = all). Progress (tokens/s, ETA, running perplexity) goes to
     * progress when it is not null, at most about once a second.
     */
    public PerplexityResult run(int[] ids, int maxWindows, PrintStream progress) {
        int windows = windowCount(ids.length);
        if (maxWindows > 0) windows = Math.min(windows, maxWindows);
        if (windows == 0) throw new IllegalArgumentException(ids.length + " tokens make no full window of context " + ctx);
        int perWindow = protocol == PerplexityProtocol.HF_WINDOWS ? ctx - 1 : ctx - 1 - ctx / 2;
        double[] nll = new double[windows * perWindow];
        KvCache cache = model.newCache(ctx);
        long start = System.nanoTime(), lastReport = start;
        double sum = 0;
        int k = 0;
        for (int w = 0; w < windows; w++) {
            int[] input = new int[ctx];
            int firstLogit, firstTarget;
            if (protocol == PerplexityProtocol.HF_WINDOWS) {
                input[0] = bos;
                System.arraycopy(ids, w * (ctx - 1), input, 1, ctx - 1);
                firstLogit = 0;
            } else {
                System.arraycopy(ids, w * ctx, input, 0, ctx);
                if (bosFirst) input[0] = bos;
                firstLogit = ctx / 2;
            }
            firstTarget = firstLogit + 1;
            cache.clear();
            // the last position predicts past the window: no logits needed for it
            float[] logits = model.forward(Arrays.copyOf(input, ctx), cache, firstLogit);
            int vocab = model.config().vocabSize();
            for (int target = firstTarget; target < ctx; target++) {
                int row = (target - 1 - firstLogit) * vocab;
                double v = negLogLikelihood(logits, row, vocab, input[target]);
                nll[k++] = v;
                sum += v;
            }
            long now = System.nanoTime();
            if (progress != null && (now - lastReport > 1_000_000_000L || w == windows - 1)) {
                lastReport = now;
                double secs = (now - start) / 1e9;
                double tps = (double) (w + 1) * ctx / secs;
                double eta = secs / (w + 1) * (windows - w - 1);
                progress.printf("perplexity: window %d/%d, %.0f tok/s, ETA %s, running ppl %.4f%n",
                        w + 1, windows, tps, formatSeconds(eta), Math.exp(sum / k));
            }
        }
        double mean = sum / k;
        return new PerplexityResult(Math.exp(mean), mean, k, windows, nll, (System.nanoTime() - start) / 1e9);
    }

    /** -log softmax(logits[row..row+vocab))[target]. */
    static double negLogLikelihood(float[] logits, int row, int vocab, int target) {
        return LogSoftmax.logSumExp(logits, row, vocab) - logits[row + target];
    }

    private static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, t / 60 % 60) : String.format("%dm%02ds", t / 60, t % 60);
    }
}
