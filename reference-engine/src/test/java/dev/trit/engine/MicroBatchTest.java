package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A prompt's unscored prefix runs in micro-batches ({@link Transformer#UBATCH} tokens): the logits must be
 * bit-identical to one batch over the whole prompt ({@link Transformer#forwardCapturing} never splits).
 */
class MicroBatchTest {
    @Test
    void splitPrefixGivesTheLogitsOfOneBatch() throws Exception {
        for (String name : new String[] {"mini-bitnet-fp16", "mini-llama-f16"}) {
            Path model = Path.of(System.getProperty("trit.root"), "fixtures", "hf", name);
            try (Parallel p = new Parallel(2)) {
                Transformer t = HfModel.load(model, new VectorKernels(p));
                int vocab = t.config().vocabSize(), layers = t.config().layers();
                SplittableRandom r = new SplittableRandom(7);
                // 3 * UBATCH + 41 tokens: a prefix of 2 * UBATCH + 41 in three pieces, then UBATCH scored ones;
                // and a window scoring about its second half: two pieces of 69, then 138 scored as one batch
                for (int[] shape : new int[][] {{3 * Transformer.UBATCH + 41, 3 * Transformer.UBATCH + 41 - 5}, {2 * Transformer.UBATCH + 20, Transformer.UBATCH + 10}}) {
                    int n = shape[0], firstLogit = shape[1];
                    int[] ids = new int[n];
                    for (int i = 0; i < n; i++) ids[i] = 3 + r.nextInt(vocab - 3);
                    float[] split = t.forward(ids, t.newCache(n), firstLogit);
                    float[] whole = t.forwardCapturing(ids, t.newCache(n), firstLogit, new float[layers + 1][]);
                    assertEquals((n - firstLogit) * vocab, split.length);
                    assertArrayEquals(whole, split, name + " " + n + " tokens from " + firstLogit);
                }
            }
        }
    }
}
