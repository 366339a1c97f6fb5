package dev.trit.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of worker threads that splits an index range into contiguous chunks.
 *
 * <p>Decoding one token runs a few hundred short products (7 per layer plus the LM head), each a
 * fraction of a millisecond, so the hand-off itself must be cheap: an executor's submit and
 * Future.get park and unpark a thread each time, which cost several milliseconds per token. Here
 * workers spin briefly on a generation counter after each job and only then park; a job is published
 * by bumping the counter, and the caller spins until the chunks are done. The spin is bounded
 * ({@link #SPIN_NANOS}), so an idle pool sleeps.
 */
public final class Parallel implements AutoCloseable {
    /** Work on the index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** How long an idle worker spins before it parks: longer than the gaps between a token's products. */
    private static final long SPIN_NANOS = 2_000_000;

    private final int threads;
    private final Worker[] workers;
    /**
     * One published product: its number, body and split (grain 0: one fixed chunk per participant;
     * otherwise participants claim grain-sized pieces from {@link #cursor}). Read as one reference so a
     * worker never mixes two jobs.
     */
    private record Job(long generation, RangeBody body, int n, int chunks, int grain) {
    }

    /** The latest job; a worker runs a job whose generation it has not yet seen. */
    private volatile Job job = new Job(0, null, 0, 0, 0);
    /** Next unclaimed index of a job split into grains. */
    private final AtomicInteger cursor = new AtomicInteger();
    /** Chunks of the current job that workers have not finished. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) in up to {@link #threads()} chunks; the caller's thread takes the last one.
     * Calls from several threads are serialized; a call from inside a body runs inline.
     */
    public void forRange(int n, int minChunk, RangeBody body) {
        int chunks = Math.max(1, Math.min(threads, n / Math.max(1, minChunk)));
        if (chunks == 1 || nested()) {
            body.run(0, n);
            return;
        }
        run(body, n, chunks, 0);
    }

    /**
     * Runs body over [0, n) in pieces of grain indices that the threads claim as they go, so a thread
     * slowed by other work on the machine takes fewer of them. For bodies whose cost per call does not
     * depend on the piece count (row-wise products); each index is still computed exactly once.
     */
    public void forPieces(int n, int grain, RangeBody body) {
        int g = Math.max(1, grain);
        int chunks = Math.min(threads, (n + g - 1) / g);
        if (chunks <= 1 || nested()) {
            body.run(0, n);
            return;
        }
        run(body, n, chunks, g);
    }

    /** True inside a body: on a worker, or on the thread whose job is running (its own call holds the lock). */
    private boolean nested() {
        return Thread.currentThread() instanceof Worker || owner == Thread.currentThread();
    }

    /** The thread running a job right now (written and cleared under the lock). */
    private volatile Thread owner;

    private synchronized void run(RangeBody body, int n, int chunks, int grain) {
        if (closed) throw new IllegalStateException("thread pool closed");
        owner = Thread.currentThread();
        try {
            runLocked(body, n, chunks, grain);
        } finally {
            owner = null;
        }
    }

    private void runLocked(RangeBody body, int n, int chunks, int grain) {
        failure = null;
        pending.set(chunks - 1);
        cursor.set(0);
        job = new Job(job.generation() + 1, body, n, chunks, grain); // publishes the above (volatile write)
        for (int i = 0; i < chunks - 1; i++) {
            if (workers[i].parked) LockSupport.unpark(workers[i]);
        }
        Throwable mine = null;
        try {
            if (grain == 0) body.run(chunkStart(n, chunks, chunks - 1), n);
            else claim(body, n, grain);
        } catch (Throwable t) {
            mine = t;
        }
        for (int spins = 0; pending.get() > 0; spins++) {
            // a short busy wait, then yield: with more runnable threads than cores the worker we wait
            // for may need this very core
            if (spins < 2000) Thread.onSpinWait();
            else Thread.yield();
        }
        Throwable t = mine != null ? mine : failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new IllegalStateException(t);
    }

    private void claim(RangeBody body, int n, int grain) {
        for (int s = cursor.getAndAdd(grain); s < n; s = cursor.getAndAdd(grain)) body.run(s, Math.min(n, s + grain));
    }

    private static int chunkStart(int n, int chunks, int i) {
        return (int) ((long) n * i / chunks);
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }

    private final class Worker extends Thread {
        private final int index;
        volatile boolean parked;

        Worker(int index) {
            super("trit-engine-worker-" + index);
            this.index = index;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                Job j = awaitJob(seen);
                if (j == null) return;
                seen = j.generation();
                if (index < j.chunks() - 1) {
                    try {
                        if (j.grain() == 0) j.body().run(chunkStart(j.n(), j.chunks(), index), chunkStart(j.n(), j.chunks(), index + 1));
                        else claim(j.body(), j.n(), j.grain());
                    } catch (Throwable t) {
                        failure = t;
                    }
                    pending.decrementAndGet();
                }
            }
        }

        /** Waits for a job after generation seen; null once the pool is closed. */
        private Job awaitJob(long seen) {
            long start = System.nanoTime();
            int spins = 0;
            while (true) {
                Job j = job;
                if (j.generation() != seen) return j;
                if (closed) return null;
                if (++spins < 2000) {
                    Thread.onSpinWait();
                    continue;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.yield(); // keep polling, but let other runnable threads have the core
                    continue;
                }
                parked = true;
                // re-check after announcing: a job published just before would otherwise be missed
                if (job.generation() == seen && !closed) LockSupport.parkNanos(this, 10_000_000);
                parked = false;
            }
        }
    }
}
