package dev.trit.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's streaming read bandwidth as this process sees it: every thread of the pool reads its
 * share of an off-heap buffer far larger than the caches, several times; the best pass counts. This is
 * the ceiling for decode, which reads every weight once per token.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {
    }

    /** Bytes per second, best of {@code passes} full reads of a {@code bytes} buffer. */
    public static double measure(Parallel pool, long bytes, int passes) {
        long chunk = 1L << 20;
        long n = Math.max(1, bytes / chunk);
        AtomicLong sink = new AtomicLong();
        double best = 0;
        // a shared arena's native segment: the workers may read it, and it is the kind the kernels read
        // (StoredMatrix.kernelView: loads from another segment kind slow theirs)
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(n * chunk, 64);
            // touch every page with nonzero data so the reads hit real memory, not the shared zero page
            for (long i = 0; i < n * chunk; i += 4096) buf.set(ValueLayout.JAVA_LONG, i, i);
            MemorySegment view = buf.asReadOnly();
            for (int p = 0; p <= passes; p++) {
                long t0 = System.nanoTime();
                pool.forRange((int) n, 1, (from, to) -> {
                    LongVector acc = LongVector.zero(L);
                    int step = L.vectorByteSize();
                    for (long c = from; c < to; c++) {
                        long base = c * chunk, end = base + chunk;
                        for (long o = base; o < end; o += 4L * step) {
                            acc = acc.add(LongVector.fromMemorySegment(L, view, o, ByteOrder.LITTLE_ENDIAN))
                                    .add(LongVector.fromMemorySegment(L, view, o + step, ByteOrder.LITTLE_ENDIAN))
                                    .add(LongVector.fromMemorySegment(L, view, o + 2L * step, ByteOrder.LITTLE_ENDIAN))
                                    .add(LongVector.fromMemorySegment(L, view, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
                        }
                    }
                    sink.addAndGet(acc.lane(0));
                });
                double secs = (System.nanoTime() - t0) / 1e9;
                if (p > 0) best = Math.max(best, n * chunk / secs); // pass 0 warms up the JIT
            }
        }
        if (sink.get() == 42) System.err.print(""); // keeps the reads alive
        return best;
    }
}
