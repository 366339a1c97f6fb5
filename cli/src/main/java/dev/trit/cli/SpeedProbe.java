package dev.trit.cli;

import dev.trit.engine.KvCache;
import dev.trit.engine.Transformer;
import dev.trit.engine.LogSoftmax;

import java.util.Arrays;

/**
 * A small in-process speed measurement for {@code trit demo}: prefill and decode tokens per second
 * of the engine on one model. Deliberately short (a fraction of a second per model) and the only
 * place the demo times anything, so that {@code trit bench} can replace it in one spot.
 *
 * <p>Prefill: one forward pass over {@code promptTokens} tokens with logits for the last one only.
 * Decode: {@code decodeTokens} greedy steps of one token each from that state. Each is run
 * {@code repeats} times and the fastest run is kept (the first is often still warming up the JIT).
 */
final class SpeedProbe {
    record Speed(double prefillTokS, double decodeTokS, int promptTokens, int decodeTokens) {
    }

    private SpeedProbe() {
    }

    static Speed measure(Transformer model, int[] prompt, int decodeTokens, int repeats) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        int capacity = prompt.length + decodeTokens;
        if (capacity > model.config().maxPositions()) throw new IllegalArgumentException("probe exceeds the model's context");
        long bestPrefill = Long.MAX_VALUE, bestDecode = Long.MAX_VALUE;
        KvCache cache = model.newCache(capacity);
        int vocab = model.config().vocabSize();
        for (int r = 0; r < Math.max(1, repeats); r++) {
            cache.clear();
            long t0 = System.nanoTime();
            float[] logits = model.forward(Arrays.copyOf(prompt, prompt.length), cache, prompt.length - 1);
            long t1 = System.nanoTime();
            for (int i = 0; i < decodeTokens; i++) {
                int next = LogSoftmax.argmax(logits.length == vocab ? logits : Arrays.copyOfRange(logits, 0, vocab));
                model.decode(next, cache, logits); // logits is vocab long here
            }
            long t2 = System.nanoTime();
            bestPrefill = Math.min(bestPrefill, t1 - t0);
            bestDecode = Math.min(bestDecode, t2 - t1);
        }
        return new Speed(prompt.length / (bestPrefill / 1e9), decodeTokens == 0 ? Double.NaN : decodeTokens / (bestDecode / 1e9),
                prompt.length, decodeTokens);
    }
}
