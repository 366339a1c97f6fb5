package dev.trit.bench;

import dev.trit.engine.FloatMatrix;
import dev.trit.engine.Parallel;
import dev.trit.engine.QuantizedActivations;
import dev.trit.engine.StoredMatrix;
import dev.trit.engine.TernaryMatrix;
import dev.trit.engine.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
 * One matrix product per invocation for each weight kind, at the shapes of bitnet-b1.58-2B-4T (q/o
 * 2560x2560, k/v 640x2560, gate/up 6912x2560, down 2560x6912) and of the small fixtures; tokens 1 is
 * decode, more is prefill. Weights are random (trits uniform, floats Gaussian).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 1) // the float prefill kernels need several seconds before C2 compiles them
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelBench {
    @Param({"2560x2560", "6912x2560", "2560x6912", "768x256"})
    public String shape;

    @Param({"1", "64"})
    public int tokens;

    @Param({"2"})
    public int threads;

    private Parallel pool;
    private VectorKernels kernels;
    private TernaryMatrix ternary;
    private FloatMatrix f32;
    private StoredMatrix f16, bf16, q8, q4, q6;
    private QuantizedActivations qx;
    private float[] x, y;

    @Setup(Level.Trial)
    public void setup() {
        String[] d = shape.split("x");
        int rows = Integer.parseInt(d[0]), cols = Integer.parseInt(d[1]);
        SplittableRandom rnd = new SplittableRandom(1);
        byte[] trits = new byte[rows * cols];
        for (int i = 0; i < trits.length; i++) trits[i] = (byte) (rnd.nextInt(3) - 1);
        ternary = TernaryMatrix.fromTrits(rows, cols, trits, 0.01f);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
        f32 = new FloatMatrix(rows, cols, w);
        var le16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        MemorySegment h = MemorySegment.ofArray(new byte[2 * w.length]), b = MemorySegment.ofArray(new byte[2 * w.length]);
        for (int i = 0; i < w.length; i++) {
            h.setAtIndex(le16, i, Float.floatToFloat16(w[i]));
            b.setAtIndex(le16, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
        }
        f16 = new StoredMatrix(rows, cols, StoredMatrix.Encoding.F16, h);
        bf16 = new StoredMatrix(rows, cols, StoredMatrix.Encoding.BF16, b);
        MemorySegment q = MemorySegment.ofArray(new byte[rows * cols / 32 * 34]);
        for (int blk = 0; blk < rows * cols / 32; blk++) {
            q.set(le16, 34L * blk, Float.floatToFloat16(0.0005f));
            for (int j = 0; j < 32; j++) q.set(ValueLayout.JAVA_BYTE, 34L * blk + 2 + j, (byte) (rnd.nextInt(255) - 127));
        }
        q8 = new StoredMatrix(rows, cols, StoredMatrix.Encoding.Q8_0, q);
        MemorySegment q4seg = MemorySegment.ofArray(new byte[rows * cols / 32 * 18]);
        for (int blk = 0; blk < rows * cols / 32; blk++) {
            q4seg.set(le16, 18L * blk, Float.floatToFloat16(0.003f));
            for (int j = 0; j < 16; j++) q4seg.set(ValueLayout.JAVA_BYTE, 18L * blk + 2 + j, (byte) rnd.nextInt(256));
        }
        q4 = new StoredMatrix(rows, cols, StoredMatrix.Encoding.Q4_0, q4seg);
        MemorySegment q6seg = MemorySegment.ofArray(new byte[rows * cols / 256 * 210]); // random quants and int8 scales, fp16 d at 208
        for (int i = 0; i < q6seg.byteSize(); i++) q6seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        for (int blk = 0; blk < rows * cols / 256; blk++) q6seg.set(le16, 210L * blk + 208, Float.floatToFloat16(0.00002f));
        q6 = new StoredMatrix(rows, cols, StoredMatrix.Encoding.Q6_K, q6seg);
        x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        qx = QuantizedActivations.quantize(x, tokens, cols);
        y = new float[tokens * rows];
        pool = new Parallel(threads);
        kernels = new VectorKernels(pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] ternary() {
        kernels.ternaryMatmul(ternary, qx, y);
        return y;
    }

    @Benchmark
    public float[] f32() {
        kernels.matmul(f32, x, tokens, y);
        return y;
    }

    @Benchmark
    public float[] f16() {
        kernels.matmul(f16, x, tokens, y);
        return y;
    }

    @Benchmark
    public float[] bf16() {
        kernels.matmul(bf16, x, tokens, y);
        return y;
    }

    @Benchmark
    public float[] q4_0() {
        kernels.matmul(q4, x, tokens, y);
        return y;
    }

    @Benchmark
    public float[] q6_k() {
        kernels.matmul(q6, x, tokens, y);
        return y;
    }

    @Benchmark
    public float[] q8_0() {
        kernels.matmul(q8, x, tokens, y);
        return y;
    }
}
