package dev.trit.bench;

import dev.trit.engine.Parallel;
import dev.trit.engine.StoredMatrix;
import dev.trit.engine.VectorKernels;
import dev.trit.formats.BlockCodec;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decode (one token) matrix-vector products of every ggml block type the engine reads in place, on a
 * 6912x2560 matrix (a 2B4T-shaped ffn_up/gate) encoded by formats' codecs from Gaussian weights, so the
 * scales and quants are realistic. Weights per second = 6912 * 2560 / score. Two sizes: one matrix
 * (17.7 M weights, 6-19 MB: mostly in the caches) and eight different ones cycled (streamed from memory,
 * as in a real forward pass).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class BlockKernelBench {
    @Param({"Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q3_K", "Q2_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    @Param({"1", "8"})
    public int matrices;

    /** float: the float activations' kernel; q8k: llama.cpp's Q8_K integer product (Q6_K, Q4_K only). */
    @Param({"float"})
    public String activations;

    /** heap: a segment over a byte[]; shared: native memory of a shared arena; mapped: a temp file mapped as a GGUF is. */
    @Param({"heap"})
    public String memory;

    /** Bytes before each matrix in its segment (GGUF aligns tensors to 32, not to a cache line). */
    @Param({"0"})
    public int offset;

    private java.lang.foreign.Arena arena;
    /** Rows of each matrix: 6912 (a 2B4T FFN matrix), 128256 (its vocabulary: the output matrix). */
    @Param({"6912"})
    public int rows;

    private static final int COLS = 2560;
    private Parallel pool;
    private VectorKernels kernels;
    private StoredMatrix[] ms;
    private float[] x, y;
    private dev.trit.engine.Q8KActivations q8k;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        StoredMatrix.Encoding e = StoredMatrix.Encoding.valueOf(type);
        BlockCodec codec = BlockCodec.of(e.ggmlType());
        float[] w = new float[rows * COLS];
        ms = new StoredMatrix[matrices];
        for (int m = 0; m < matrices; m++) {
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
            MemorySegment seg = MemorySegment.ofArray(codec.encode(w));
            if (memory.equals("mapped")) {
                if (arena == null) arena = java.lang.foreign.Arena.ofShared();
                try {
                    java.nio.file.Path f = java.nio.file.Files.createTempFile("bkb", ".bin");
                    f.toFile().deleteOnExit();
                    byte[] bytes = new byte[Math.toIntExact(offset + seg.byteSize())];
                    MemorySegment.copy(seg, 0, MemorySegment.ofArray(bytes), offset, seg.byteSize());
                    java.nio.file.Files.write(f, bytes);
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
                        seg = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena).asSlice(offset);
                    }
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            } else if (memory.equals("shared")) {
                if (arena == null) arena = java.lang.foreign.Arena.ofShared();
                seg = arena.allocate(seg.byteSize(), 64).copyFrom(seg);
            }
            ms[m] = new StoredMatrix(rows, COLS, e, seg);
        }
        x = new float[COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        y = new float[rows];
        if (activations.equals("q8k")) {
            if (!e.q8KDot()) throw new IllegalArgumentException(type + " has no Q8_K integer product");
            q8k = dev.trit.engine.Q8KActivations.quantizeInto(x, 1, COLS, null);
        }
        pool = new Parallel(threads);
        kernels = new VectorKernels(pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        if (arena != null) arena.close();
    }

    @Benchmark
    public float[] decode() {
        if (q8k != null) kernels.matmul(ms[next], q8k, y);
        else kernels.matmul(ms[next], x, 1, y);
        next = (next + 1) % ms.length;
        return y;
    }
}
