package dev.trit.formats;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON
 * header, then the tensor data, each tensor at {@code data_offsets} relative to the end of the
 * header.
 *
 * <p>The header is validated completely before anything is mapped, with the rules of the reference
 * reader (the safetensors crate): header at most 100 MB, valid UTF-8 JSON object, known dtypes,
 * non-negative shapes whose byte size matches the offsets, and tensors that tile the data area from
 * its start to the end of the file without gaps or overlaps. Duplicate names are refused.
 */
public final class SafetensorsFile implements TensorFile {
    /** The reference reader's limit on the header size. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataStart;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;
    private final Map<String, String> metadata;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, long dataStart, List<TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.dataStart = dataStart;
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> m = new HashMap<>();
        for (TensorInfo t : tensors) m.put(t.name(), t);
        this.byName = m;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens and maps {@code path}; every inconsistency is a {@link FormatException}. */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new FormatException(path, "no such file");
        }
        try (ch) {
            long size = ch.size();
            if (size < 8) throw new FormatException(path, "file is " + size + " bytes, too short for the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new FormatException(path, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
            }
            if (n > size - 8) {
                throw new FormatException(path, "header length " + n + " runs past the end of the file (" + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(path, ch, header, 8);
            long dataStart = 8 + n;
            Header h = parseHeader(path, header.array(), dataStart, size - dataStart);

            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafetensorsFile(path, arena, mapping, dataStart, h.tensors, h.metadata);
            } catch (Throwable t) {
                arena.close();
                throw t;
            }
        }
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw new FormatException(path, "unexpected end of file (was it truncated while being read?)");
        }
    }

    record Header(List<TensorInfo> tensors, Map<String, String> metadata) {
    }

    /**
     * Parses and validates a header. {@code dataStart} is the absolute offset of the data area and
     * {@code dataBytes} its length (the rest of the file).
     */
    static Header parseHeader(Path path, byte[] headerBytes, long dataStart, long dataBytes) throws FormatException {
        JsonNode root = JsonFiles.parseObject(path, headerBytes, "header");
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(path, v, metadata);
                continue;
            }
            String q = "tensor " + JsonFiles.quote(name);
            if (!v.isObject()) throw new FormatException(path, q + ": entry is a JSON " + JsonFiles.kind(v) + ", not an object");
            JsonNode dt = v.get("dtype");
            if (dt == null) throw new FormatException(path, q + ": no dtype");
            if (!dt.isTextual()) throw new FormatException(path, q + ": dtype is not a string");
            DType dtype = DType.parse(dt.textValue()).orElseThrow(
                    () -> new FormatException(path, q + ": unknown dtype " + JsonFiles.quote(dt.textValue())));
            long[] shape = longArray(path, q, v, "shape", -1);
            long[] offs = longArray(path, q, v, "data_offsets", 2);
            long begin = offs[0], end = offs[1];
            if (end < begin) throw new FormatException(path, q + ": data_offsets end " + end + " is before begin " + begin);
            if (end > dataBytes) {
                throw new FormatException(path, q + ": data_offsets [" + begin + ", " + end + "] run past the end of the data ("
                        + dataBytes + " bytes)");
            }
            long bytes;
            try {
                long elements = 1;
                for (long d : shape) elements = Math.multiplyExact(elements, d);
                bytes = Math.multiplyExact(elements, (long) dtype.elementBytes());
            } catch (ArithmeticException ex) {
                throw new FormatException(path, q + ": shape " + java.util.Arrays.toString(shape) + " overflows");
            }
            if (end - begin != bytes) {
                throw new FormatException(path, q + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                        + " bytes but " + dtype + java.util.Arrays.toString(shape) + " needs " + bytes);
            }
            tensors.add(new TensorInfo(name, dtype, shape, dataStart + begin, bytes));
        }
        // File order; ties (empty tensors at one offset) broken by name so the order is deterministic.
        tensors.sort(Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::byteSize)
                .thenComparing(TensorInfo::name));
        long expected = dataStart;
        TensorInfo prev = null;
        for (TensorInfo t : tensors) {
            if (t.offset() < expected) {
                throw new FormatException(path, "tensor " + JsonFiles.quote(t.name()) + " " + range(t, dataStart)
                        + " overlaps tensor " + JsonFiles.quote(prev.name()) + " " + range(prev, dataStart));
            }
            if (t.offset() > expected) {
                throw new FormatException(path, (t.offset() - expected) + " unused bytes before tensor " + JsonFiles.quote(t.name())
                        + " " + range(t, dataStart) + " (safetensors data must be contiguous)");
            }
            expected = t.offset() + t.byteSize();
            prev = t;
        }
        long trailing = dataStart + dataBytes - expected;
        if (trailing != 0) {
            throw new FormatException(path, trailing + " bytes after the last tensor's data (the header covers "
                    + (expected - dataStart) + " of " + dataBytes + " data bytes)");
        }
        return new Header(tensors, metadata);
    }

    private static String range(TensorInfo t, long dataStart) {
        long b = t.offset() - dataStart;
        return "[" + b + ", " + (b + t.byteSize()) + "]";
    }

    private static void readMetadata(Path path, JsonNode v, Map<String, String> out) throws FormatException {
        if (v.isNull()) return;
        if (!v.isObject()) throw new FormatException(path, "__metadata__ is a JSON " + JsonFiles.kind(v) + ", not an object");
        for (Map.Entry<String, JsonNode> m : v.properties()) {
            if (!m.getValue().isTextual()) {
                throw new FormatException(path, "__metadata__ value of " + JsonFiles.quote(m.getKey()) + " is a JSON "
                        + JsonFiles.kind(m.getValue()) + ", not a string");
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    /** Reads {@code key} as an array of non-negative integers (of length {@code len} unless -1). */
    private static long[] longArray(Path path, String q, JsonNode entry, String key, int len) throws FormatException {
        JsonNode a = entry.get(key);
        if (a == null) throw new FormatException(path, q + ": no " + key);
        if (!a.isArray()) throw new FormatException(path, q + ": " + key + " is a JSON " + JsonFiles.kind(a) + ", not an array");
        if (len >= 0 && a.size() != len) throw new FormatException(path, q + ": " + key + " has " + a.size() + " entries, not " + len);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = a.get(i);
            if (!x.isIntegralNumber()) {
                throw new FormatException(path, q + ": " + key + " holds " + JsonFiles.oneLine(x.toString()) + ", not an integer");
            }
            if (!x.canConvertToLong() || x.longValue() < 0) {
                throw new FormatException(path, q + ": " + key + " holds " + JsonFiles.oneLine(x.toString())
                        + ", not a non-negative 64-bit integer");
            }
            out[i] = x.longValue();
        }
        return out;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The {@code __metadata__} map (empty if the header has none). */
    @Override
    public Map<String, String> stringMetadata() {
        return metadata;
    }

    /** Absolute file offset of the data area (8 + header length). */
    public long dataStart() {
        return dataStart;
    }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        TensorInfo own = byName.get(tensor.name());
        if (own == null || !own.equals(tensor)) {
            throw new IllegalArgumentException("tensor " + tensor + " is not in " + path);
        }
        return mapping.asSlice(own.offset(), own.byteSize()).asReadOnly();
    }

    /** Unmaps the file; slices returned by {@link #data} become inaccessible. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) arena.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
