package dev.trit.converters;

/** Tracks input bytes consumed across tensors for progress reports. */
final class ChunkedWork {
    /** Set when the JVM is shutting down: conversions stop at their next chunk. */
    static final java.util.concurrent.atomic.AtomicBoolean STOPPING = new java.util.concurrent.atomic.AtomicBoolean();

    private final Progress progress;
    private final long total;
    private long done;

    ChunkedWork(Progress progress, long total) {
        this.progress = progress;
        this.total = total;
    }

    /** A tensor of {@code bytes} input bytes advanced by rows/of its rows. */
    void advance(String tensor, long bytes, long rowsDone, long rows, long rowsNow) throws java.io.IOException {
        if (STOPPING.get()) throw new java.io.IOException("conversion stopped");
        long before = bytes * (rowsDone) / rows, after = bytes * (rowsDone + rowsNow) / rows;
        done += after - before;
        progress.update(done, total, tensor);
    }
}
