package dev.trit.engine;

import java.util.function.Supplier;

/**
 * Runs a workload on a small model of the same file (its first layer, the first {@link #VOCAB} rows of its
 * embedding and head) in a second thread while the whole model loads. The Vector API is only fast once C2
 * has compiled a kernel (the interpreter and C1 run its Java fallback, boxing every vector): without this,
 * the first window of {@code trit ppl} on a 2B model took 8.5–9 s against 4.0–4.4 s for later ones, ~3.5 s of
 * it before C2 had compiled the prefill kernels. Loading a 2B model's ternary layers keeps one core busy for
 * ~9 s, so the other can run the kernels meanwhile. The small model's weights are the file's own (layer 0's
 * matrices in the same types and the same repack), so the compiled code and its profile are the ones the
 * whole model's run takes.
 */
public final class KernelWarmup {
    /** Smaller files load in well under the time C2 needs; their first calls would only wait on the warm-up. */
    public static final long MIN_FILE_BYTES = 256L << 20;
    /** Rows of the warm-up model's embedding and head: enough for the head's loops to become hot. */
    public static final int VOCAB = 2048;

    /** What to run on the small model: the caller's own workload, on random tokens. */
    @FunctionalInterface
    public interface Workload {
        /**
         * Runs until done or {@code stop.getAsBoolean()}, which it checks between units of work (windows,
         * items); a unit in progress delays the end of the load.
         */
        void run(Transformer model, java.util.function.BooleanSupplier stop);
    }

    private final Thread thread;
    private volatile boolean stop;

    private KernelWarmup(Supplier<Transformer> model, Workload workload) {
        thread = Thread.ofPlatform().daemon().name("trit-warmup").unstarted(() -> {
            try {
                // a workload asks stop before each unit, its first included: a load that ended first costs it nothing
                workload.run(model.get(), () -> stop);
            } catch (RuntimeException | OutOfMemoryError e) {
                // the whole model's load reads the same tensors and reports what is wrong with them; a warm-up
                // that fails only leaves the kernels to be compiled during the caller's work
            }
        });
    }

    static KernelWarmup start(Supplier<Transformer> model, Workload workload) {
        KernelWarmup w = new KernelWarmup(model, workload);
        w.thread.start();
        return w;
    }

    /** Asks the workload to stop and waits for it. */
    void finish() {
        stop = true;
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
