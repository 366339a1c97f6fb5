package dev.trit.engine.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One window of a long text run with a fresh state: the model reads {@code input}, and its rows
 * {@code firstScored ..} predict {@code targets} (row {@code firstScored + j} predicts {@code targets[j]}).
 * {@code firstTarget} is the offset of {@code targets[0]} in the tokenized text.
 */
public record EvalWindow(int index, int firstTarget, int[] input, int firstScored, int[] targets) {

    /** How a token stream is cut into windows (the two protocols the project's perplexity numbers use). */
    public enum Protocol {
        /**
         * The fixtures' transformers protocol: text tokenized without special tokens, consecutive
         * windows of ctx - 1 tokens, each run as [BOS] + window, every window token scored.
         */
        HF,
        /**
         * llama-perplexity (also with --kl-divergence-base): text tokenized with BOS, consecutive chunks
         * of ctx tokens whose first token is replaced by BOS, the second half scored (the predictions of
         * tokens ctx/2 + 1 .. ctx - 1).
         */
        LLAMA_CPP
    }

    /**
     * The windows of {@code tokens} (already tokenized as the protocol says), at most
     * {@code maxWindows} of them ({@code <= 0}: all); a trailing partial window is dropped.
     */
    public static List<EvalWindow> cut(int[] tokens, int ctx, int bos, Protocol protocol, int maxWindows) {
        if (ctx < 4) throw new IllegalArgumentException("context of " + ctx + " tokens is too short");
        List<EvalWindow> out = new ArrayList<>();
        int span = protocol == Protocol.HF ? ctx - 1 : ctx;
        for (int start = 0; start + span <= tokens.length; start += span) {
            if (maxWindows > 0 && out.size() >= maxWindows) break;
            int[] chunk = Arrays.copyOfRange(tokens, start, start + span);
            if (protocol == Protocol.HF) {
                // [BOS] + chunk without its last token: the last token is only predicted.
                int[] input = new int[span];
                input[0] = bos;
                System.arraycopy(chunk, 0, input, 1, span - 1);
                out.add(new EvalWindow(out.size(), start, input, 0, chunk));
            } else {
                int first = ctx / 2;
                int[] input = Arrays.copyOf(chunk, ctx - 1);
                input[0] = bos;
                out.add(new EvalWindow(out.size(), start + first + 1, input, first, Arrays.copyOfRange(chunk, first + 1, ctx)));
            }
        }
        return out;
    }

    /**
     * The evaluation text's ids as the protocol's reference tokenizes it: llama-perplexity adds BOS and
     * reads special-token text as text; the transformers runs call the tokenizer without special tokens
     * added, and it reads special-token text as its tokenizer kind does by default.
     */
    public static int[] tokens(dev.trit.engine.tokenizer.Tokenizer t, String text, Protocol protocol) {
        return protocol == Protocol.LLAMA_CPP ? t.encode(text, true, false) : t.encode(text, false, t.parsesSpecialByDefault());
    }

}
