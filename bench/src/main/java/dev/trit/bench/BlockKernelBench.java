package dev.trit.bench;

import dev.trit.engine.Parallel;
import dev.trit.engine.StoredMatrix;
import dev.trit.engine.VectorKernels;
import dev.trit.formats.BlockCodec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * rows x 2560 matrix (by default 6912: a 2B4T-shaped ffn_up/gate) encoded by formats' codecs from Gaussian
 * weights, so the scales and quants are realistic. Weights per second = rows * 2560 / score. Two sizes: one matrix
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

    /** mapped only: bytes before each matrix in its file (GGUF aligns tensors to 32, not to a cache line). */
    @Param({"0"})
    public int offset;

    /** Rows of each matrix: 6912 (a 2B4T FFN matrix), 128256 (its vocabulary: the output matrix). */
    @Param({"6912"})
    public int rows;

    private static final int COLS = 2560;
    private final Arena arena = Arena.ofShared();
    private Parallel pool;
    private VectorKernels kernels;
    private StoredMatrix[] ms;
    private float[] x, y;
    private dev.trit.engine.Q8KActivations q8k;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        SplittableRandom rnd = new SplittableRandom(1);
        StoredMatrix.Encoding e = StoredMatrix.Encoding.valueOf(type);
        BlockCodec codec = BlockCodec.of(e.ggmlType());
        float[] w = new float[rows * COLS];
        ms = new StoredMatrix[matrices];
        for (int m = 0; m < matrices; m++) {
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
            ms[m] = new StoredMatrix(rows, COLS, e, place(codec.encode(w)));
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
        arena.close();
    }

    /** The encoded matrix in the memory the memory parameter names. */
    private MemorySegment place(byte[] encoded) throws IOException {
        return switch (memory) {
            case "heap" -> MemorySegment.ofArray(encoded);
            case "shared" -> arena.allocate(encoded.length, 64).copyFrom(MemorySegment.ofArray(encoded));
            case "mapped" -> {
                Path f = Files.createTempFile("bkb", ".bin");
                f.toFile().deleteOnExit();
                byte[] bytes = new byte[offset + encoded.length];
                System.arraycopy(encoded, 0, bytes, offset, encoded.length);
                Files.write(f, bytes);
                try (FileChannel ch = FileChannel.open(f)) {
                    yield ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena).asSlice(offset);
                }
            }
            default -> throw new IllegalArgumentException("memory " + memory + ": heap, shared or mapped");
        };
    }

    @Benchmark
    public float[] decode() {
        if (q8k != null) kernels.matmul(ms[next], q8k, y);
        else kernels.matmul(ms[next], x, 1, y);
        next = (next + 1) % ms.length;
        return y;
    }
}
