package dev.trit.formats;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Where a writer's caller streams one tensor's bytes (little-endian, row-major). Small writes are
 * gathered in a buffer; large segments go straight to the channel. Counts what it was given so the
 * writer can check each tensor got exactly its byte size.
 */
public final class TensorSink {
    private static final int BUFFER_BYTES = 1 << 20;
    /** ByteBuffer views of a segment are limited to 2 GiB, so big segments are written in chunks. */
    private static final long CHUNK_BYTES = 1L << 30;

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private long written;

    TensorSink(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** Bytes accepted so far (over all tensors). */
    public long written() {
        return written;
    }

    public void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    public void write(byte[] bytes, int offset, int length) throws IOException {
        write(ByteBuffer.wrap(bytes, offset, length));
    }

    /** Writes the remaining bytes of {@code src} (its position ends at its limit). */
    public void write(ByteBuffer src) throws IOException {
        written += src.remaining();
        if (src.remaining() >= BUFFER_BYTES) {
            flush();
            while (src.hasRemaining()) channel.write(src);
            return;
        }
        while (src.hasRemaining()) {
            if (!buffer.hasRemaining()) flush();
            int n = Math.min(buffer.remaining(), src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            buffer.put(part);
            src.position(src.position() + n);
        }
    }

    /** Writes all bytes of {@code segment} (any size). */
    public void write(MemorySegment segment) throws IOException {
        for (long off = 0; off < segment.byteSize(); off += CHUNK_BYTES) {
            long n = Math.min(CHUNK_BYTES, segment.byteSize() - off);
            write(segment.asSlice(off, n).asByteBuffer());
        }
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) channel.write(buffer);
        buffer.clear();
    }
}
