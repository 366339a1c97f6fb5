package dev.trit.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The int8 multiply-add peak the Vector API reaches on this machine, the ceiling of trit's integer kernels:
 * int8 values in short lanes, a multiply and an add per lane (what the ternary decode and the integer Q6_K
 * kernels do per weight), eight independent chains, everything in registers (no memory traffic).
 * One invocation is {@link #STEPS} steps of 8 vectors: multiply-adds per second = STEPS * 8 * lanes / time.
 * Run with -t 1 for one core, -t 2 for both. The hardware's own peak with AVX-512 VNNI (vpdpbusd: 64 int8
 * multiply-adds per 512-bit instruction) is not reachable from the Vector API, which has no such operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeakBench {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    /** Steps per invocation: 8 vector multiply-adds each. */
    public static final int STEPS = 1 << 16;

    private short a, b;

    @Setup
    public void setup() {
        a = 3;
        b = -2;
    }

    /**
     * Short-lane multiply then add in 8 independent chains (s = s * w + x; wrapping, only the rate matters): lanes
     * * 8 * STEPS multiply-adds. Each chain waits on its own multiply's latency only; 8 of them keep the
     * multiplier busy.
     */
    @Benchmark
    public short shortMulAdd() {
        ShortVector x = ShortVector.broadcast(S, a), w = ShortVector.broadcast(S, b);
        ShortVector s0 = ShortVector.broadcast(S, (short) 1), s1 = s0.add(x), s2 = s1.add(x), s3 = s2.add(x);
        ShortVector s4 = s3.add(x), s5 = s4.add(x), s6 = s5.add(x), s7 = s6.add(x);
        for (int i = 0; i < STEPS; i++) {
            s0 = s0.mul(w).add(x);
            s1 = s1.mul(w).add(x);
            s2 = s2.mul(w).add(x);
            s3 = s3.mul(w).add(x);
            s4 = s4.mul(w).add(x);
            s5 = s5.mul(w).add(x);
            s6 = s6.mul(w).add(x);
            s7 = s7.mul(w).add(x);
        }
        return s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).lane(0);
    }

    /** Lanes per vector, for the arithmetic above. */
    public static int lanes() {
        return S.length();
    }
}
