package dev.trit.engine.eval;

import dev.trit.engine.KernelWarmup;
import dev.trit.engine.LogSoftmax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Scores multiple-choice items with a model (see {@link McMethod} for the two methods). All choices
 * of an item go through one {@link LogitSource#continuationLogits} call over the tokens they share,
 * so an engine with a KV cache runs the shared context once.
 */
public final class McScorer {
    private final LogitSource model;
    private final TextEncoder encoder;
    private final McMethod method;
    private final boolean harnessBos;

    /**
     * @param harnessBos for {@link McMethod#HARNESS}: encode with the tokenizer's special tokens
     *                   (the harness's {@code add_bos_token=True}); llama.cpp's method always does.
     */
    public McScorer(LogitSource model, TextEncoder encoder, McMethod method, boolean harnessBos) {
        this.model = model;
        this.encoder = encoder;
        this.method = method;
        this.harnessBos = harnessBos;
    }

    /**
     * Scores up to {@code n} of the items as the warm-up of a model being loaded ({@link KernelWarmup}):
     * the same calls as {@link #score}, the text cut into tokens of about four characters (the real tokenizer is
     * being loaded meanwhile; what matters is the sequences' lengths and shared prefixes), ids below the small
     * model's vocabulary.
     */
    public static KernelWarmup.Workload warmup(McMethod method, boolean harnessBos, List<McItem> items, int n) {
        return (t, stop) -> {
            int vocab = t.config().vocabSize(), bos = Math.max(t.config().bosTokenId(), 0);
            TextEncoder chunks = new TextEncoder() {
                @Override
                public int[] encode(String text, boolean addSpecial) {
                    int k = (text.length() + 3) / 4, off = addSpecial ? 1 : 0;
                    int[] ids = new int[k + off];
                    if (addSpecial) ids[0] = bos;
                    for (int i = 0; i < k; i++) {
                        ids[off + i] = Math.floorMod(text.substring(4 * i, Math.min(text.length(), 4 * i + 4)).hashCode(), vocab);
                    }
                    return ids;
                }

                @Override
                public OptionalInt bos() {
                    return OptionalInt.of(bos);
                }

                @Override
                public OptionalInt eos() {
                    return OptionalInt.empty();
                }
            };
            McScorer s = new McScorer(new TransformerLogits(t), chunks, method, harnessBos);
            for (int i = 0; i < Math.min(n, items.size()) && !stop.getAsBoolean(); i++) s.score(items.get(i));
        };
    }

    public McResult run(McTask task, List<McItem> items, Consumer<ItemScore> progress) {
        List<ItemScore> scores = new ArrayList<>(items.size());
        for (McItem item : items) {
            ItemScore s = score(item);
            scores.add(s);
            if (progress != null) progress.accept(s);
        }
        return McResult.of(task, method, scores);
    }

    public ItemScore score(McItem item) {
        int n = item.choices().size();
        int[][] seqs = new int[n][];
        int[] starts = new int[n];
        for (int c = 0; c < n; c++) {
            McChoice choice = item.choices().get(c);
            if (method == McMethod.HARNESS) {
                int[][] pair = encodePair(choice.context(), choice.continuation());
                int[] seq = concat(pair[0], pair[1]);
                // The harness feeds (context + continuation)[-(max_length + 1):][:-1].
                int keep = Math.min(seq.length, model.maxTokens() + 1);
                seqs[c] = Arrays.copyOfRange(seq, seq.length - keep, seq.length);
                starts[c] = Math.max(keep - pair[1].length, 0);
                if (starts[c] == 0 && pair[1].length > 0) {
                    throw new IllegalArgumentException(item.id() + ": continuation of choice " + c + " alone exceeds the context window of " + model.maxTokens());
                }
            } else {
                seqs[c] = encoder.encode(choice.context() + choice.continuation(), true);
                if (seqs[c].length > model.maxTokens()) {
                    throw new IllegalArgumentException(item.id() + ": choice " + c + " needs " + seqs[c].length + " tokens, more than the context window of " + model.maxTokens());
                }
            }
        }
        if (method == McMethod.LLAMA_CPP) {
            int cp = commonPrefix(seqs, Integer.MAX_VALUE);
            if (cp == 0) throw new IllegalArgumentException(item.id() + ": the choices share no first token (llama.cpp's method needs a BOS)");
            for (int c = 0; c < n; c++) {
                if (seqs[c].length == cp) throw new IllegalArgumentException(item.id() + ": choice " + c + " has no tokens after the prefix all choices share");
                starts[c] = cp;
            }
        }
        double[][] lp = new double[n][];
        boolean[] greedy = new boolean[n];
        tokenLogProbs(seqs, starts, lp, greedy);
        List<ChoiceScore> scores = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            double sum = 0;
            for (double v : lp[c]) sum += v;
            String text = item.choices().get(c).text();
            scores.add(new ChoiceScore(sum, lp[c].length, greedy[c], text.codePointCount(0, text.length())));
        }
        return new ItemScore(item.id(), item.gold(), scores);
    }

    /**
     * The harness's {@code _encode_pair} (or the empty-context rule of {@code loglikelihood}):
     * returns {context tokens, continuation tokens}.
     */
    int[][] encodePair(String context, String continuation) {
        if (context.isEmpty()) {
            // The harness's prefix_token_id: BOS if the tokenizer has one, else EOS.
            int prefix = encoder.bos().isPresent() ? encoder.bos().getAsInt() : encoder.eos().orElseThrow(
                    () -> new IllegalArgumentException("empty context and a tokenizer without BOS or EOS"));
            return new int[][]{{prefix}, encoder.encode(continuation, harnessBos)};
        }
        int end = context.length();
        // Python str.rstrip(): Unicode whitespace, no-break spaces included.
        while (end > 0 && (Character.isWhitespace(context.charAt(end - 1)) || Character.isSpaceChar(context.charAt(end - 1)))) end--;
        String ctx = context.substring(0, end);
        String cont = context.substring(end) + continuation;
        int[] whole = encoder.encode(ctx + cont, harnessBos);
        int[] ctxEnc = encoder.encode(ctx, harnessBos);
        int split = Math.min(ctxEnc.length, whole.length);
        return new int[][]{ctxEnc, Arrays.copyOfRange(whole, split, whole.length)};
    }

    /**
     * Log-probability of seqs[c][j] for j >= starts[c] given the tokens before it, and whether every
     * one was the argmax. Shares the longest common prefix that ends before every scored span.
     */
    private void tokenLogProbs(int[][] seqs, int[] starts, double[][] lp, boolean[] greedy) {
        int n = seqs.length;
        int minStart = Integer.MAX_VALUE;
        for (int s : starts) minStart = Math.min(minStart, s);
        int shared = commonPrefix(seqs, minStart);
        float[][][] rows; // rows[c][k] predicts seqs[c][from + k]
        int from;
        if (shared >= 1) {
            from = shared;
            int[][] suffixes = new int[n][];
            for (int c = 0; c < n; c++) suffixes[c] = Arrays.copyOfRange(seqs[c], shared, seqs[c].length);
            rows = model.continuationLogits(Arrays.copyOf(seqs[0], shared), suffixes);
        } else {
            // Nothing shared (or a scored span starting at position 0, which has no prediction).
            from = 1;
            rows = new float[n][][];
            for (int c = 0; c < n; c++) {
                if (starts[c] < 1 && seqs[c].length > 0) {
                    throw new IllegalArgumentException("the first token of a sequence cannot be scored: nothing predicts it");
                }
                // The last token is only predicted, never an input: rows[c][k] predicts seqs[c][k + 1].
                rows[c] = seqs[c].length < 2 ? new float[0][] : model.logits(Arrays.copyOf(seqs[c], seqs[c].length - 1));
            }
        }
        for (int c = 0; c < n; c++) {
            int len = seqs[c].length - starts[c];
            lp[c] = new double[Math.max(len, 0)];
            boolean allGreedy = true;
            for (int j = starts[c]; j < seqs[c].length; j++) {
                float[] row = rows[c][j - from];
                int tok = seqs[c][j];
                lp[c][j - starts[c]] = LogSoftmax.logProb(row, tok);
                allGreedy &= LogSoftmax.argmax(row) == tok;
            }
            greedy[c] = allGreedy;
        }
    }

    /** Length of the prefix all sequences share, at most {@code cap}. */
    static int commonPrefix(int[][] seqs, int cap) {
        int len = cap;
        for (int[] s : seqs) len = Math.min(len, s.length);
        for (int i = 0; i < len; i++) {
            for (int[] s : seqs) if (s[i] != seqs[0][i]) return i;
        }
        return len;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
