package dev.trit.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * How busy this JVM's JIT compiler has been, from the platform's compilation bean (milliseconds spent compiling,
 * counted as each compilation ends). trit bench uses it to end its warm-up where the JIT has: on 2 cores a C2
 * compilation running beside the kernels takes one of the two (2B4T I2_S, 64 + 32: Transformer.layer, 1230 bytes of
 * bytecode, reaches C2's threshold in the first round after one warm-up and compiles for 0.3-0.6 s of it; that round
 * decoded 7-14% slower than the next ones in each of four runs, 2026-12-04).
 */
final class JitActivity {
    /** A round is still warming up when the JIT compiled for more than this share of its wall time. */
    static final double BUSY_SHARE = 0.05;

    private JitActivity() {}

    /**
     * Heap allocation per prefilled or decoded token above which trit bench warns that the JIT left vector code
     * boxed: a 2B4T decode allocates ~24-37 KB per token, its prefill 3-11 KB; with the Q6_K head's kernel
     * compiled boxed, hundreds of MB.
     */
    static final long BOXED_BYTES_PER_TOKEN = 1 << 20;

    /** Heap bytes allocated by all threads since the JVM started, or -1 where the JVM does not count them. */
    static long allocatedBytes() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t) || !t.isThreadAllocatedMemoryEnabled()) return -1;
        return t.getTotalThreadAllocatedBytes();
    }

    /** Total milliseconds the JIT has spent compiling, or -1 where the JVM does not count them. */
    static long compileMillis() {
        CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }

    /** Whether a round of roundNanos during which the JIT compiled for compileMillis was still warming up. */
    static boolean busy(long compileMillis, long roundNanos) {
        return compileMillis > BUSY_SHARE * roundNanos / 1e6;
    }

    /**
     * Sleeps until the compile count has not moved for quietMillis (compilations queued by the last round finish
     * here rather than inside the next one, or beside a peer's run), at most maxMillis; returns the milliseconds
     * waited. A compilation longer than quietMillis still running at the end is not seen: the count moves when
     * one ends.
     */
    static long awaitQuiet(long quietMillis, long maxMillis) throws InterruptedException {
        long start = System.nanoTime();
        long last = compileMillis();
        if (last < 0) return 0;
        long quietSince = start;
        while (elapsedMillis(start) < maxMillis && elapsedMillis(quietSince) < quietMillis) {
            Thread.sleep(20);
            long now = compileMillis();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
        return elapsedMillis(start);
    }

    private static long elapsedMillis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
