package dev.trit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.engine.GgufModel;
import dev.trit.engine.KvCache;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.Transformer;
import dev.trit.engine.VectorKernels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** trit bench's round measures what llama-bench's pp and tg tests measure: decode from the depth context only. */
class BenchRoundTest {
    private static final Path TQ2 = Path.of(System.getProperty("trit.root"), "fixtures", "gguf", "mini-bitnet-tq2_0.gguf");

    @Test
    void decodeStartsFromTheDepthContextNotAfterThePrompt() throws Exception {
        try (Parallel pool = new Parallel(2); LoadedModel m = GgufModel.load(TQ2, new VectorKernels(pool))) {
            Transformer t = m.transformer();
            int vocab = t.config().vocabSize();
            for (int depth : new int[] {0, 5}) {
                int prompt = 7, gen = 4;
                int[] ids = new SplittableRandom(3).ints(depth + prompt + gen, 0, vocab).toArray();
                KvCache cache = t.newCache(depth + Math.max(prompt, gen)); // as trit bench sizes it
                float[] logits = new float[vocab];
                BenchRound r = BenchRound.run(t, cache, ids, depth, prompt, gen, logits);
                assertTrue(r.prefillNanos() > 0 && r.decodeNanos() > 0);
                assertTrue(r.decodeAllocatedBytes() > 0, "HotSpot counts the decode steps' allocations: " + r);
                // the prompt's pass allocates at least its logits row (vocab floats), counted apart from decode's
                assertTrue(r.prefillAllocatedBytes() >= 4L * vocab, "the prompt's allocations: " + r);
                assertEquals(depth + gen, cache.length(), "the cache holds the depth context and the decoded tokens");

                // the same decode from a cache of the depth context alone gives the same last logits ...
                KvCache fresh = t.newCache(depth + gen);
                float[] expected = new float[vocab];
                if (depth > 0) t.forward(Arrays.copyOf(ids, depth), fresh, depth - 1);
                for (int i = 0; i < gen; i++) t.decode(ids[depth + prompt + i], fresh, expected);
                assertArrayEquals(expected, logits);
                // ... and decoding after the prompt (what bench did before) would not
                KvCache after = t.newCache(depth + prompt + gen);
                float[] afterPrompt = new float[vocab];
                t.forward(Arrays.copyOf(ids, depth + prompt), after, depth + prompt - 1);
                for (int i = 0; i < gen; i++) t.decode(ids[depth + prompt + i], after, afterPrompt);
                assertFalse(Arrays.equals(expected, afterPrompt));
            }
        }
    }
}
