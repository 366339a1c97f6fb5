package dev.trit.cli;

import dev.trit.engine.KvCache;
import dev.trit.engine.Transformer;
import java.util.Arrays;

/**
 * One measured round of {@code trit bench}, as llama-bench measures its two tests: prefill (pp) is the prompt
 * in one batch, decode (tg) the generated tokens one at a time, each starting from a cache that holds only the
 * depth context (llama-bench's -d, default 0), not after each other. Decoding after the prompt, as trit bench
 * did until 2026-12-04, measured trit's decode at a context of the prompt's length against the peers' at none
 * (2B4T I2_S, 256-token prompt: 26-31 against 33-37 tok/s from an empty cache; bitnet.cpp 26-28 either way).
 *
 * @param prefillNanos the prompt's forward pass
 * @param decodeNanos  the gen one-token steps
 * @param prefillAllocatedBytes heap bytes all threads allocated during the prompt's pass (-1 where the JVM does
 *                     not count them): the logits row and per-product scratch, 3-4 KB per prompt token on 2B4T
 *                     at 256 tokens (I2_S, TQ2_0, TQ1_0; ~10 KB at 64), so a MB or more per token means vector
 *                     code the JIT left boxed ({@link JitActivity})
 * @param decodeAllocatedBytes the same for the gen steps: decode allocates next to nothing per token (24 KB on 2B4T)
 */
record BenchRound(long prefillNanos, long decodeNanos, long prefillAllocatedBytes, long decodeAllocatedBytes) {
    /**
     * Runs the round on ids: ids[0, depth) the context, ids[depth, depth + prompt) the prompt,
     * ids[depth + prompt, depth + prompt + gen) the decoded tokens. The cache needs depth + max(prompt, gen)
     * positions; it ends holding the depth context and the decoded tokens.
     */
    static BenchRound run(Transformer t, KvCache cache, int[] ids, int depth, int prompt, int gen, float[] logits) {
        if (ids.length < depth + prompt + gen) throw new IllegalArgumentException(ids.length + " ids for " + depth + " + " + prompt + " + " + gen);
        cache.clear();
        if (depth > 0) t.forward(Arrays.copyOf(ids, depth), cache, depth - 1); // untimed, as llama-bench's depth pass
        int[] promptIds = Arrays.copyOfRange(ids, depth, depth + prompt);
        long pre0 = JitActivity.allocatedBytes();
        long a = System.nanoTime();
        t.forward(promptIds, cache, prompt - 1);
        long b = System.nanoTime();
        long pre1 = JitActivity.allocatedBytes();
        cache.truncate(depth);
        long alloc0 = JitActivity.allocatedBytes();
        long c = System.nanoTime();
        for (int i = 0; i < gen; i++) t.decode(ids[depth + prompt + i], cache, logits);
        long e = System.nanoTime();
        long alloc1 = JitActivity.allocatedBytes();
        return new BenchRound(b - a, e - c, difference(pre0, pre1), difference(alloc0, alloc1));
    }

    private static long difference(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }
}
