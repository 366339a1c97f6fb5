package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The decode step reuses the model's buffers: per token it allocates no arrays, only a few small objects per product. */
class DecodeAllocationTest {
    @Test
    void decodeStepAllocatesAlmostNothingAndEqualsForward() throws Exception {
        Path model = Path.of(System.getProperty("trit.root"), "fixtures", "hf", "mini-bitnet-fp16");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Parallel p = new Parallel(2)) {
            Transformer t = HfModel.load(model, new VectorKernels(p));
            int vocab = t.config().vocabSize();
            int[] prompt = {1, 450, 3996, 1735, 1701};
            KvCache a = t.newCache(1024), b = t.newCache(64);
            float[] logits = new float[vocab];
            t.forward(prompt, a, prompt.length - 1);
            t.forward(prompt, b, prompt.length - 1);
            for (int i = 0; i < 20; i++) { // warm up (class loading, JIT) and check equality with forward
                int id = 100 + 37 * i;
                t.decode(id, a, logits);
                assertArrayEquals(t.forward(new int[]{id}, b), logits);
            }
            // until C2 has compiled the kernels, Vector API operations run as Java fallbacks that allocate
            // their vectors; the steady state is what counts, so take the best of several rounds
            long perToken = Long.MAX_VALUE;
            for (int round = 0; round < 30 && perToken >= 4L * vocab; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                int tokens = 25;
                for (int i = 0; i < tokens; i++) t.decode(900 + i, a, logits);
                perToken = Math.min(perToken, (mx.getCurrentThreadAllocatedBytes() - before) / tokens);
            }
            // one logits array alone would be 4 * vocab = 16 KiB; the model has 4 layers x 7 products
            assertTrue(perToken < 4L * vocab, "decode allocated " + perToken + " bytes per token");
        }
    }
}
