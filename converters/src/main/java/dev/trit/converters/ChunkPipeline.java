package dev.trit.converters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Encodes a tensor's row chunks on a few threads and writes them in order. At most as many chunks as
 * there are workers are in flight, so memory stays bounded (a few chunk buffers) while conversion
 * keeps up with the disk instead of one core.
 */
final class ChunkPipeline {
    /** Encodes chunk i; returns the bytes to write (length len). */
    interface Encoder {
        Bytes encode(int chunk) throws IOException;
    }

    interface Sink {
        void write(int chunk, Bytes b) throws IOException;
    }

    record Bytes(byte[] data, int length) {
    }

    static final int WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private static final ExecutorService POOL = Executors.newFixedThreadPool(WORKERS, r -> {
        Thread t = new Thread(r, "trit-convert");
        t.setDaemon(true);
        return t;
    });

    private ChunkPipeline() {
    }

    static void run(int chunks, Encoder encoder, Sink sink) throws IOException {
        if (WORKERS == 1 || chunks == 1) {
            for (int i = 0; i < chunks; i++) sink.write(i, encoder.encode(i));
            return;
        }
        ArrayDeque<Future<Bytes>> inFlight = new ArrayDeque<>();
        int next = 0, written = 0;
        try {
            while (written < chunks) {
                while (next < chunks && inFlight.size() < WORKERS) {
                    int i = next++;
                    inFlight.add(POOL.submit(() -> encoder.encode(i)));
                }
                Bytes b = get(inFlight.poll());
                sink.write(written++, b);
            }
        } finally {
            for (Future<Bytes> f : inFlight) f.cancel(true);
        }
    }

    interface PartialSum {
        double sum(int chunk) throws IOException;
    }

    /** The sum over chunks of sum(i), partial sums computed in parallel and added in chunk order (deterministic). */
    static double sum(int chunks, PartialSum f) throws IOException {
        double total = 0;
        ArrayDeque<Future<Bytes>> inFlight = new ArrayDeque<>();
        int next = 0, done = 0;
        try {
            while (done < chunks) {
                while (next < chunks && inFlight.size() < WORKERS) {
                    int i = next++;
                    inFlight.add(POOL.submit(() -> {
                        double v = f.sum(i);
                        byte[] b = new byte[8];
                        java.nio.ByteBuffer.wrap(b).putDouble(v);
                        return new Bytes(b, 8);
                    }));
                }
                total += java.nio.ByteBuffer.wrap(get(inFlight.poll()).data()).getDouble();
                done++;
            }
        } finally {
            for (Future<Bytes> fu : inFlight) fu.cancel(true);
        }
        return total;
    }

    private static Bytes get(Future<Bytes> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof UncheckedIOException u) throw u.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }
}
