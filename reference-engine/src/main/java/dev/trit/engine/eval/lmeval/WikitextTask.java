package dev.trit.engine.eval.lmeval;

import dev.trit.engine.LogSoftmax;
import dev.trit.engine.eval.LogitSource;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * lm-evaluation-harness's {@code wikitext} task end to end: the pages of the file
 * ({@link WikitextDocuments}), each detokenized ({@link WikitextDetokenizer}), tokenized, scored by
 * {@code loglikelihood_rolling} ({@link RollingWindows}), and the three metrics of
 * {@code preprocess_wikitext.process_results} aggregated as {@code lm_eval/api/metrics.py} does.
 *
 * <p>Per page, process_results counts on the <em>original</em> page (before detokenization, as its
 * comment insists): words = {@code len(re.split(r"\s+", page))}, bytes = {@code len(page.encode("utf-8"))}.
 * The aggregations {@code weighted_perplexity} and {@code bits_per_byte} take the sums over pages:
 * word_perplexity = exp(ΣNLL / Σwords), byte_perplexity = exp(ΣNLL / Σbytes),
 * bits_per_byte = ΣNLL / (ln 2 · Σbytes), ΣNLL being minus the summed rolling log-likelihoods.
 */
public final class WikitextTask {
    private final LogitSource model;
    private final Function<String, int[]> encoder;
    private final int prefixToken;
    private final int maxLength;

    /**
     * @param encoder     the page text to token ids, as the harness's {@code tok_encode} does it
     * @param prefixToken HFLM's {@code prefix_token_id}: BOS, or EOS where the tokenizer has no BOS
     * @param maxLength   HFLM's {@code max_length}
     */
    public WikitextTask(LogitSource model, Function<String, int[]> encoder, int prefixToken, int maxLength) {
        if (maxLength > model.maxTokens()) {
            throw new IllegalArgumentException("max length " + maxLength + " exceeds the model's context of " + model.maxTokens());
        }
        this.model = model;
        this.encoder = encoder;
        this.prefixToken = prefixToken;
        this.maxLength = maxLength;
    }

    /** One page's share of the metrics. */
    public record Doc(int index, int tokens, int windows, double nll, int words, long bytes) {
    }

    /** All pages' numbers; {@code nll} holds every token's NLL in page order. */
    public record Result(List<Doc> docs, double[] nll, double seconds) {
        public double nllSum() {
            double s = 0;
            for (Doc d : docs) s += d.nll();
            return s;
        }

        public long words() {
            return docs.stream().mapToLong(Doc::words).sum();
        }

        public long bytes() {
            return docs.stream().mapToLong(Doc::bytes).sum();
        }

        public int tokens() {
            return nll.length;
        }

        public int windows() {
            return docs.stream().mapToInt(Doc::windows).sum();
        }

        public double wordPerplexity() {
            return Math.exp(nllSum() / words());
        }

        public double bytePerplexity() {
            return Math.exp(nllSum() / bytes());
        }

        public double bitsPerByte() {
            return nllSum() / (Math.log(2) * bytes());
        }

        /** exp(mean NLL per token): not a harness metric, for comparison with the window protocols. */
        public double tokenPerplexity() {
            return Math.exp(nllSum() / tokens());
        }
    }

    /** Words of a page as process_results counts them. */
    public static int words(String page) {
        return PyText.splitCount(page);
    }

    /** Bytes of a page as process_results counts them. */
    public static long bytes(String page) {
        return page.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The token ids the task scores for a page: the detokenized page, encoded. */
    public int[] tokens(String page) {
        return encoder.apply(WikitextDetokenizer.detokenize(page));
    }

    /** Scores the first {@code maxDocs} pages ({@code <= 0}: all); progress, if not null, gets a line per page. */
    public Result run(List<String> pages, int maxDocs, PrintStream progress) {
        int count = maxDocs > 0 ? Math.min(maxDocs, pages.size()) : pages.size();
        long start = System.nanoTime();
        List<Doc> docs = new ArrayList<>();
        List<double[]> nlls = new ArrayList<>();
        int total = 0;
        for (int d = 0; d < count; d++) {
            String page = pages.get(d);
            int[] tokens = tokens(page);
            List<RollingWindows.Window> windows = RollingWindows.of(tokens, prefixToken, maxLength);
            double[] nll = score(windows, tokens.length);
            double sum = 0;
            for (double v : nll) sum += v;
            docs.add(new Doc(d, tokens.length, windows.size(), sum, words(page), bytes(page)));
            nlls.add(nll);
            total += nll.length;
            if (progress != null) {
                progress.printf("lm-eval wikitext: document %d/%d, %d tokens in %d windows, %.1f s%n",
                        d + 1, count, tokens.length, windows.size(), (System.nanoTime() - start) / 1e9);
            }
        }
        double[] all = new double[total];
        int k = 0;
        for (double[] a : nlls) {
            System.arraycopy(a, 0, all, k, a.length);
            k += a.length;
        }
        return new Result(docs, all, (System.nanoTime() - start) / 1e9);
    }

    /** Per-token NLL of one document's windows, in token order. */
    public double[] score(List<RollingWindows.Window> windows, int tokens) {
        double[] nll = new double[tokens];
        for (RollingWindows.Window w : windows) {
            double[] v = scoreWindow(w);
            System.arraycopy(v, 0, nll, w.firstTarget(), v.length);
        }
        return nll;
    }

    /** Per-token NLL of one window's continuation (one model call; the same numbers as {@link #score} gives them). */
    public double[] scoreWindow(RollingWindows.Window w) {
        int vocab = model.vocabSize();
        float[][] rows = model.continuationLogits(w.context(), new int[][]{w.continuation()})[0];
        double[] nll = new double[rows.length];
        for (int j = 0; j < rows.length; j++) nll[j] = LogSoftmax.logSumExp(rows[j], 0, vocab) - rows[j][w.continuation()[j]];
        return nll;
    }

    /** The windows {@link #run} scores for a page: the detokenized page, encoded, cut by {@link RollingWindows}. */
    public List<RollingWindows.Window> windows(int[] tokens) {
        return RollingWindows.of(tokens, prefixToken, maxLength);
    }
}
