package dev.trit.engine;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/** Autoregressive generation: prefill the prompt in one batch, then one token at a time with the KV cache. */
public final class Generator {
    private final Transformer model;
    private final Sampler sampler;

    public Generator(Transformer model, Sampler sampler) {
        this.model = model;
        this.sampler = sampler;
    }

    /**
     * Continues the prompt (ids as given: add BOS yourself if the model wants it). Stops after
     * maxNewTokens, at the EOS token (which is returned) or when the context fills.
     *
     * @param onToken called with each new token as it is produced (may be null)
     * @return the new tokens
     */
    public int[] generate(int[] prompt, int maxNewTokens, IntConsumer onToken) {
        int eos = model.config().eosTokenId();
        return generate(prompt, maxNewTokens, t -> t == eos, onToken);
    }

    /**
     * {@link #generate(int[], int, IntConsumer)} that stops at any token {@code isEnd} accepts
     * (e.g. the several EOS ids of a chat model's generation_config.json) instead of the config's EOS.
     */
    public int[] generate(int[] prompt, int maxNewTokens, IntPredicate isEnd, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        int capacity = Math.min(model.config().maxPositions(), prompt.length + maxNewTokens);
        if (prompt.length > capacity) throw new IllegalArgumentException("prompt of " + prompt.length + " tokens exceeds the context of " + capacity);
        KvCache cache = model.newCache(capacity);
        int vocab = model.config().vocabSize();
        float[] logits = model.forward(prompt, cache, prompt.length - 1);
        int[] out = new int[maxNewTokens];
        int n = 0;
        while (n < maxNewTokens) {
            int next = sampler.sample(logits, 0, vocab);
            out[n++] = next;
            if (onToken != null) onToken.accept(next);
            if (isEnd.test(next) || cache.length() >= capacity) break;
            model.decode(next, cache, logits); // logits is vocab long: the buffer is reused
        }
        return Arrays.copyOf(out, n);
    }
}
