package dev.trit.converters;

/** Tracks input bytes consumed across tensors for progress reports. */
final class ChunkedWork {
    private final Progress progress;
    private final long total;
    private long done;

    ChunkedWork(Progress progress, long total) {
        this.progress = progress;
        this.total = total;
    }

    /** A tensor of {@code bytes} input bytes advanced by rows/of its rows. */
    void advance(String tensor, long bytes, long rowsDone, long rows, long rowsNow) {
        long before = bytes * (rowsDone) / rows, after = bytes * (rowsDone + rowsNow) / rows;
        done += after - before;
        progress.update(done, total, tensor);
    }
}
