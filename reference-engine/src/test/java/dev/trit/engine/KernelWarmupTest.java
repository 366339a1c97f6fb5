package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.engine.eval.McChoice;
import dev.trit.engine.eval.McItem;
import dev.trit.engine.eval.McMethod;
import dev.trit.engine.eval.McScorer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The warm-up a GGUF load runs beside itself ({@link KernelWarmup}): it sees the file's first layer and the first
 * rows of its embedding and head, and changes nothing in the model the load returns.
 */
class KernelWarmupTest {
    private static final Path TQ2 = Fixtures.root().resolve("gguf/mini-bitnet-tq2_0.gguf");
    private static final int ROWS = 64;

    private static double[] nll(LoadedModel m) {
        int[] ids = new Random(5).ints(4 * 32, 0, m.config().vocabSize()).toArray();
        return new PerplexityRun(m.transformer(), 32, PerplexityProtocol.LLAMA_CPP).run(ids, 4, null).nll();
    }

    @Test
    void warmupModelIsTheFirstLayerAndTheFirstRows() throws Exception {
        try (Parallel pool = new Parallel(2)) {
            Kernels k = new VectorKernels(pool);
            AtomicReference<Transformer> seen = new AtomicReference<>();
            AtomicInteger windows = new AtomicInteger();
            KernelWarmup.Workload ppl = PerplexityRun.warmup(32, PerplexityProtocol.LLAMA_CPP, 3);
            try (LoadedModel warm = GgufModel.load(TQ2, k, false, (t, stop) -> {
                seen.set(t);
                // stop is not asked before the load ends
                ppl.run(t, () -> {
                    windows.incrementAndGet();
                    return false;
                });
            }, 0, ROWS); LoadedModel cold = GgufModel.load(TQ2, k, false)) {
                Transformer mini = seen.get();
                assertEquals(1, mini.config().layers());
                assertEquals(ROWS, mini.config().vocabSize());
                assertEquals(3, windows.get(), "the workload ran its windows");
                Transformer full = cold.transformer();
                for (int r = 0; r < ROWS; r += 7) {
                    for (int c = 0; c < full.config().hiddenSize(); c += 13) {
                        assertEquals(full.embedding().get(r, c), mini.embedding().get(r, c));
                        assertEquals(full.lmHead().get(r, c), mini.lmHead().get(r, c));
                    }
                }
                // layer 0's projections are the file's, in the same packed form
                DecoderLayer a = full.layers().get(0), b = mini.layers().get(0);
                for (Linear[] pair : new Linear[][]{{a.q(), b.q()}, {a.v(), b.v()}, {a.down(), b.down()}}) {
                    Matrix wa = pair[0].weight(), wb = pair[1].weight();
                    assertEquals(wa.getClass(), wb.getClass());
                    for (int r = 0; r < wa.rows(); r += 5) for (int c = 0; c < wa.cols(); c += 11) assertEquals(wa.get(r, c), wb.get(r, c));
                }
                assertTrue(a.q().weight() instanceof TernaryMatrix);
                assertArrayEquals(nll(cold), nll(warm), "a warm-up changes nothing in the loaded model");
            }
        }
    }

    @Test
    void aFailingWarmupLeavesTheLoadAlone() throws Exception {
        try (Parallel pool = new Parallel(2)) {
            Kernels k = new VectorKernels(pool);
            try (LoadedModel warm = GgufModel.load(TQ2, k, false, (t, stop) -> {
                throw new IllegalStateException("warm-up failure");
            }, 0, ROWS); LoadedModel cold = GgufModel.load(TQ2, k, false)) {
                assertArrayEquals(nll(cold), nll(warm));
            }
        }
    }

    @Test
    void smallFilesAreNotWarmedUp() throws Exception {
        try (Parallel pool = new Parallel(2)) {
            AtomicInteger runs = new AtomicInteger();
            try (LoadedModel m = GgufModel.load(TQ2, new VectorKernels(pool), false, (t, stop) -> runs.incrementAndGet())) {
                assertEquals(0, runs.get(), "a " + m.path().toFile().length() + "-byte file loads without a warm-up");
            }
        }
    }

    @Test
    void multipleChoiceWarmupScoresItemsOnTheSmallModel() throws Exception {
        List<McItem> items = List.of(
                new McItem("a", List.of(new McChoice("A man is sitting on a roof. He", " starts pulling up roofing.", "x"),
                        new McChoice("A man is sitting on a roof. He", " is ripping level tiles off.", "y")), 0),
                new McItem("b", List.of(new McChoice("Q", " yes", "yes"), new McChoice("Q", " no", "no")), 1),
                new McItem("c", List.of(new McChoice("unused", " a", "a"), new McChoice("unused", " b", "b")), 1));
        for (McMethod method : McMethod.values()) {
            try (Parallel pool = new Parallel(2)) {
                AtomicInteger checks = new AtomicInteger();
                AtomicReference<Throwable> failed = new AtomicReference<>();
                KernelWarmup.Workload mc = McScorer.warmup(method, true, items, 2);
                try (LoadedModel m = GgufModel.load(TQ2, new VectorKernels(pool), false, (t, stop) -> {
                    try {
                        mc.run(t, () -> {
                            checks.incrementAndGet();
                            return false;
                        });
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                }, 0, ROWS)) {
                    assertEquals(null, failed.get(), method + ": the warm-up's token ids are rows of the small model");
                    assertEquals(2, checks.get(), method + ": n items scored, stop asked before each");
                }
            }
        }
    }
}
