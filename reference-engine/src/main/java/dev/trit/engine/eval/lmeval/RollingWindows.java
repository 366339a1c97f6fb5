package dev.trit.engine.eval.lmeval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How lm-evaluation-harness's {@code loglikelihood_rolling} cuts one document's tokens into model calls:
 * {@code lm_eval/utils.py} {@code get_rolling_token_windows(token_list, prefix_token, max_seq_len,
 * context_len=1)} mapped through {@code make_disjoint_window}, as {@code HFLM.loglikelihood_rolling}
 * ({@code lm_eval/models/huggingface.py}) calls them with {@code max_seq_len = self.max_length}.
 *
 * <p>With context_len 1 every window predicts up to max_seq_len tokens. The first predicts tokens
 * [0, min(L, n)) from {@code [prefix] + tokens[0 .. first-1)}: its context is the prefix token alone. Each
 * later window predicts the next {@code k = min(n - predicted, L)} tokens and reads the L tokens before its
 * last target: after make_disjoint_window its context is {@code tokens[end - L - 1, end - k)} (one token for
 * a full window, more for a short last window, so every call is L tokens long) and its continuation
 * {@code tokens[end - k, end)}. {@code _loglikelihood_tokens} runs {@code (context + continuation)[:-1]}
 * (never longer than L, so never truncated) and sums the log-probabilities of the continuation.
 * Every token is predicted exactly once; windows after the first have no BOS in front.
 */
public final class RollingWindows {
    private RollingWindows() {
    }

    /**
     * One model call: it reads {@code context + continuation[0 .. k-1)} and is scored on the continuation.
     *
     * @param firstTarget offset of {@code continuation[0]} in the document's tokens
     */
    public record Window(int[] context, int[] continuation, int firstTarget) {
        /** The model's input: context then the continuation without its last token. */
        public int[] input() {
            int[] in = Arrays.copyOf(context, context.length + continuation.length - 1);
            System.arraycopy(continuation, 0, in, context.length, continuation.length - 1);
            return in;
        }
    }

    /** The windows of {@code tokens} (none for an empty document). */
    public static List<Window> of(int[] tokens, int prefixToken, int maxLength) {
        if (maxLength < 1) throw new IllegalArgumentException("max length " + maxLength);
        List<Window> out = new ArrayList<>();
        int n = tokens.length;
        if (n == 0) return out;
        int first = Math.min(maxLength, n);
        out.add(new Window(new int[]{prefixToken}, Arrays.copyOf(tokens, first), 0));
        int predicted = first;
        while (predicted < n) {
            int k = Math.min(n - predicted, maxLength);
            int end = predicted + k;
            out.add(new Window(Arrays.copyOfRange(tokens, end - maxLength - 1, end - k), Arrays.copyOfRange(tokens, end - k, end), end - k));
            predicted += k;
        }
        return out;
    }
}
