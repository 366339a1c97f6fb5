package dev.trit.engine.eval;

import dev.trit.engine.LogSoftmax;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/** Runs a model over text windows to make a {@link LogitsDump}, or to compare with one. */
public final class LogitsRun {
    private LogitsRun() {
    }

    /** The base side: top-k log-probabilities at every scored position of every window. */
    public static LogitsDump dump(LogitSource model, List<EvalWindow> windows, int topK, Map<String, String> metadata, IntConsumer progress) {
        if (topK < 1) throw new IllegalArgumentException("top-k must be at least 1");
        List<LogitsDump.Row> rows = new ArrayList<>();
        for (EvalWindow w : windows) {
            float[][] logits = run(model, w);
            for (int j = 0; j < w.targets().length; j++) {
                int position = w.firstTarget() + j;
                rows.add(new LogitsDump.Row(w.index(), position, TopLogprobs.of(logits[w.firstScored() + j], topK, w.targets()[j])));
            }
            if (progress != null) progress.accept(w.index());
        }
        return new LogitsDump(model.vocabSize(), topK, metadata, rows);
    }

    /**
     * The base side with every log-probability ({@link FullLogprobs}, llama-perplexity's
     * {@code --kl-divergence-base}): handed to {@code sink} one window at a time, so a base of any size
     * streams to its file.
     */
    public static void dumpFull(LogitSource model, List<EvalWindow> windows, FullBaseWindow.Sink sink, IntConsumer progress) throws IOException {
        for (EvalWindow w : windows) {
            float[][] logits = run(model, w);
            FullLogprobs[] rows = new FullLogprobs[w.targets().length];
            for (int j = 0; j < rows.length; j++) rows[j] = FullLogprobs.of(logits[w.firstScored() + j], w.targets()[j]);
            sink.accept(new FullBaseWindow(w.index(), w.firstTarget(), rows));
            if (progress != null) progress.accept(w.index());
        }
    }

    /**
     * The model side against a full base made on the same windows: every statistic over the whole
     * vocabulary, as llama-perplexity {@code --kl-divergence} computes it. Fails if the base's windows,
     * positions or tokens differ from the text's.
     */
    public static KldStats compareFull(LogitSource model, List<EvalWindow> windows, FullBaseWindow.Source base, IntConsumer progress) throws IOException {
        KldStats stats = new KldStats();
        long r = 0;
        for (EvalWindow w : windows) {
            FullBaseWindow b = base.next();
            if (b == null) throw new IllegalArgumentException("base has only " + r + " positions, the text gives more");
            if (b.window() != w.index() || b.firstPosition() != w.firstTarget() || b.rows().length != w.targets().length) {
                throw new IllegalArgumentException("base window " + b.window() + " covers " + b.rows().length + " positions from " + b.firstPosition()
                        + ", the text gives window " + w.index() + " with " + w.targets().length + " from " + w.firstTarget() + " (different text, tokenizer or context?)");
            }
            float[][] logits = run(model, w);
            for (int j = 0; j < w.targets().length; j++, r++) {
                FullLogprobs p = b.rows()[j];
                if (p.token() != w.targets()[j]) {
                    throw new IllegalArgumentException("base row " + r + " is token " + p.token() + " at position " + (w.firstTarget() + j)
                            + ", the text gives token " + w.targets()[j] + " (different text, tokenizer or context?)");
                }
                if (p.vocabSize() != model.vocabSize()) {
                    throw new IllegalArgumentException("base has a vocabulary of " + p.vocabSize() + " tokens, the model " + model.vocabSize());
                }
                stats.add(KlDivergence.of(p, logits[w.firstScored() + j]));
            }
            if (progress != null) progress.accept(w.index());
        }
        if (base.next() != null) throw new IllegalArgumentException("base has more positions than the text's " + r);
        return stats;
    }

    /**
     * The model side: KL-divergence and the other llama-perplexity statistics against a base dump made
     * on the same windows. Fails if the windows' tokens or positions differ from the dump's.
     */
    public static KldStats compare(LogitSource model, List<EvalWindow> windows, LogitsDump base, IntConsumer progress) {
        return pass(model, windows, List.of(base), 0, Map.of(), progress).vsBases().getFirst();
    }

    /**
     * What one run of a model over the windows measured.
     *
     * @param vsBases  statistics against each base, in the order given
     * @param dump     the model's own top-k dump (to serve as a base later), or null if not asked for
     * @param nllSum   sum over the scored tokens of -log p(actual next token), computed in double
     * @param tokens   scored tokens
     */
    public record Pass(List<KldStats> vsBases, LogitsDump dump, double nllSum, long tokens) {
        /** exp(mean NLL) of the actual tokens. */
        public double perplexity() {
            return Math.exp(nllSum / tokens);
        }
    }

    /**
     * Runs the model once over the windows and, from the same logits, compares it with every base
     * (as {@link #compare}), dumps its own top {@code topK} (0: no dump) and sums its NLL. One pass
     * instead of one per base: on a small machine the forward passes are the whole cost.
     */
    public static Pass pass(LogitSource model, List<EvalWindow> windows, List<LogitsDump> bases, int topK,
                            Map<String, String> metadata, IntConsumer progress) {
        if (topK < 0) throw new IllegalArgumentException("top-k must not be negative");
        for (LogitsDump base : bases) {
            if (base.vocabSize() != model.vocabSize()) {
                throw new IllegalArgumentException("base has a vocabulary of " + base.vocabSize() + " tokens, the model " + model.vocabSize());
            }
        }
        List<KldStats> stats = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) stats.add(new KldStats());
        List<LogitsDump.Row> rows = topK > 0 ? new ArrayList<>() : null;
        double nllSum = 0;
        long tokens = 0;
        int r = 0;
        for (EvalWindow w : windows) {
            float[][] logits = run(model, w);
            for (int j = 0; j < w.targets().length; j++, r++) {
                int position = w.firstTarget() + j, target = w.targets()[j];
                float[] row = logits[w.firstScored() + j];
                for (int b = 0; b < bases.size(); b++) {
                    LogitsDump base = bases.get(b);
                    if (r >= base.rows().size()) throw new IllegalArgumentException("base has only " + base.rows().size() + " positions, the text gives more");
                    LogitsDump.Row br = base.rows().get(r);
                    if (br.window() != w.index() || br.position() != position || br.top().token() != target) {
                        throw new IllegalArgumentException("base row " + r + " is token " + br.top().token() + " at position " + br.position()
                                + ", the text gives token " + target + " at " + position + " (different text, tokenizer or context?)");
                    }
                    stats.get(b).add(KlDivergence.of(br.top(), row));
                }
                if (rows != null) rows.add(new LogitsDump.Row(w.index(), position, TopLogprobs.of(row, topK, target)));
                nllSum -= LogSoftmax.logProb(row, target);
                tokens++;
            }
            if (progress != null) progress.accept(w.index());
        }
        for (LogitsDump base : bases) {
            if (r != base.rows().size()) throw new IllegalArgumentException("base has " + base.rows().size() + " positions, the text gives " + r);
        }
        return new Pass(List.copyOf(stats), rows == null ? null : new LogitsDump(model.vocabSize(), topK, metadata, rows), nllSum, tokens);
    }

    private static float[][] run(LogitSource model, EvalWindow w) {
        if (w.input().length > model.maxTokens()) {
            throw new IllegalArgumentException("window of " + w.input().length + " tokens exceeds the model's context of " + model.maxTokens());
        }
        return model.logits(w.input());
    }
}
