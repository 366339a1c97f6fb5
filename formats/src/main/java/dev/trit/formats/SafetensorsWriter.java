package dev.trit.formats;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a safetensors file the way the safetensors library does, so Python's {@code safetensors}
 * (and our {@link SafetensorsFile}) read it: tensors laid out contiguously by descending dtype (the
 * crate's alignment order, see {@link DType}) then by name; the header lists {@code __metadata__}
 * first and the tensors in data order, and is padded with spaces to a multiple of 8 bytes.
 *
 * <p>Streaming: {@link #add} only records a tensor's name, dtype, shape and where its bytes come
 * from; {@link #write} then asks each source for its bytes in layout order, so a model larger than
 * the heap can be converted one tensor at a time. The file is written to a temporary file beside the
 * target and moved into place atomically; on failure the temporary file is deleted.
 */
public final class SafetensorsWriter {
    /** Produces one tensor's bytes into the sink, exactly its byte size. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(TensorSink sink) throws IOException;
    }

    private record Pending(String name, DType dtype, long[] shape, long bytes, TensorSource source) {
    }

    private static final AtomicLong TEMP_COUNTER = new AtomicLong();

    private final Path target;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private boolean written;

    public SafetensorsWriter(Path target) {
        this.target = target;
    }

    /** Adds a {@code __metadata__} entry (e.g. "format" = "pt", which transformers expects). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> entries) {
        metadata.putAll(entries);
        return this;
    }

    /** Adds a tensor whose bytes are {@code data}, which must stay readable until {@link #write}. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment data) {
        long bytes = byteSize(name, dtype, shape);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes given, "
                    + dtype + Arrays.toString(shape) + " needs " + bytes);
        }
        return add(name, dtype, shape, bytes, sink -> sink.write(data));
    }

    /** Adds a tensor whose bytes {@code source} will produce during {@link #write}. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, TensorSource source) {
        return add(name, dtype, shape, byteSize(name, dtype, shape), source);
    }

    private SafetensorsWriter add(String name, DType dtype, long[] shape, long bytes, TensorSource source) {
        if (written) throw new IllegalStateException("already written");
        if (name.equals("__metadata__")) throw new IllegalArgumentException("__metadata__ is not a tensor name");
        if (!names.add(name)) throw new IllegalArgumentException("tensor " + name + " added twice");
        pending.add(new Pending(name, dtype, shape.clone(), bytes, source));
        return this;
    }

    private static long byteSize(String name, DType dtype, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return Math.multiplyExact(n, (long) dtype.elementBytes());
    }

    public Path target() {
        return target;
    }

    /** Writes the file: header, then every tensor's bytes in layout order; atomically replaces target. */
    public void write() throws IOException {
        if (written) throw new IllegalStateException("already written");
        written = true;
        List<Pending> order = new ArrayList<>(pending);
        // The safetensors crate's order: larger dtypes first (so data stays aligned), then by name
        // compared as UTF-8 bytes (Rust's String ordering).
        order.sort(Comparator.comparing((Pending p) -> p.dtype.ordinal(), Comparator.reverseOrder())
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.name.getBytes(StandardCharsets.UTF_8),
                        b.name.getBytes(StandardCharsets.UTF_8))));
        byte[] header = header(order);

        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + TEMP_COUNTER.incrementAndGet() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                TensorSink sink = new TensorSink(ch);
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                sink.write(len);
                sink.write(header);
                for (Pending p : order) {
                    long before = sink.written();
                    p.source.writeTo(sink);
                    long got = sink.written() - before;
                    if (got != p.bytes) {
                        throw new FormatException(target, "tensor " + JsonFiles.quote(p.name) + ": its source wrote " + got
                                + " bytes, " + p.dtype + Arrays.toString(p.shape) + " needs " + p.bytes);
                    }
                }
                sink.flush();
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
    }

    private byte[] header(List<Pending> order) throws IOException {
        ObjectNode root = JsonFiles.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode md = root.putObject("__metadata__");
            metadata.forEach(md::put);
        }
        long offset = 0;
        for (Pending p : order) {
            ObjectNode t = root.putObject(p.name);
            t.put("dtype", p.dtype.label());
            ArrayNode shape = t.putArray("shape");
            for (long d : p.shape) shape.add(d);
            ArrayNode offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + p.bytes);
            offset += p.bytes;
        }
        byte[] json = JsonFiles.MAPPER.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        if (padded > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new FormatException(target, "header of " + padded + " bytes exceeds the safetensors limit of "
                    + SafetensorsFile.MAX_HEADER_BYTES);
        }
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
