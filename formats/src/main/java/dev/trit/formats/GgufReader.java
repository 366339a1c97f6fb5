package dev.trit.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses a GGUF file (spec: ggml/docs/gguf.md; reference reader: ggml/src/gguf.cpp) from a read-only
 * memory mapping. Layout, all little-endian: magic "GGUF", uint32 version, uint64 tensor count, uint64
 * kv count; kv pairs (string key, uint32 type, value); tensor infos (string name, uint32 n_dims, uint64
 * ne[n_dims], uint32 ggml type, uint64 offset relative to the data section); zero padding to the
 * alignment ({@code general.alignment}, default 32); tensor data. Strings are a uint64 byte length and
 * UTF-8 bytes, without a terminator.
 *
 * <p>Every count and length is checked against the bytes left in the file before anything is
 * allocated for it, so a hostile header fails with a {@link FormatException}, never an
 * OutOfMemoryError or an index exception.
 */
final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    /** Arrays of arrays deeper than this are refused (gguf-py writes depth 2 at most; ggml none). */
    static final int MAX_ARRAY_DEPTH = 8;
    /**
     * Heap guards. A string or nested array takes 8-12 bytes in the file but ~50 bytes as a Java
     * object, so the file-size checks alone would let a multi-GB file of tiny strings exhaust the heap.
     * Real files are far below these: the largest vocabularies have ~260k tokens and ~500k merges,
     * the largest models ~100k tensors.
     */
    static final long MAX_METADATA_OBJECTS = 1 << 24;
    static final long MAX_TENSORS = 1 << 20;
    /** Longest string accepted: Java arrays stop just short of 2^31. */
    static final long MAX_STRING_BYTES = Integer.MAX_VALUE - 16;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    private long objects;

    private GgufReader(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    /** Maps and parses the file; the returned GgufFile owns the mapping. */
    static GgufFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FormatException(path, "not a file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 24) throw new FormatException(path, "too small to be a GGUF file (" + size + " bytes)");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            return new GgufReader(path, seg).parse(arena);
        } catch (FormatException | RuntimeException | Error e) {
            arena.close();
            throw e;
        } catch (IOException e) {
            arena.close();
            throw new FormatException(path, "cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** Parses a GGUF image already in memory (tests, in-memory checks); the caller owns the segment. */
    static GgufFile parse(Path name, MemorySegment seg) throws FormatException {
        if (seg.byteSize() < 24) throw new FormatException(name, "too small to be a GGUF file (" + seg.byteSize() + " bytes)");
        return new GgufReader(name, seg).parse(null);
    }

    private GgufFile parse(Arena arena) throws FormatException {
        int magic = seg.get(U32, 0);
        if (magic != MAGIC) {
            throw new FormatException(path, String.format("not a GGUF file (magic %08x, expected \"GGUF\")", Integer.reverseBytes(magic)));
        }
        int version = seg.get(U32, 4);
        if (version == 1) throw new FormatException(path, "GGUF version 1 is not supported (only versions 2 and 3)");
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw new FormatException(path, "big-endian GGUF files are not supported");
            }
            throw new FormatException(path, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (only 2 and 3)");
        }
        long nTensors = seg.get(U64, 8);
        long nKv = seg.get(U64, 16);
        pos = 24;
        // Each kv takes at least 8 (key length) + 4 (type) + 1 bytes, each tensor info at least
        // 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset).
        long left = size - pos;
        if (nKv < 0 || nKv > left / 13) throw new FormatException(path, "kv count " + Long.toUnsignedString(nKv) + " is impossible in a " + size + "-byte file");
        if (nTensors < 0 || nTensors > left / 24 || nKv * 13 + nTensors * 24 > left) {
            throw new FormatException(path, "tensor count " + Long.toUnsignedString(nTensors) + " is impossible in a " + size + "-byte file");
        }
        if (nTensors > MAX_TENSORS) throw new FormatException(path, "tensor count " + nTensors + " is more than the " + MAX_TENSORS + " supported");
        count(nKv);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            long at = pos;
            String key = readString("key of kv " + i);
            if (key.isEmpty()) throw new FormatException(path, "kv " + i + " at offset " + at + " has an empty key");
            GgufValueType type = readValueType("kv " + q(key));
            GgufValue v = readValue(type, key, 0);
            if (metadata.putIfAbsent(key, v) != null) throw new FormatException(path, "duplicate key " + q(key));
        }

        int alignment = DEFAULT_ALIGNMENT;
        GgufValue al = metadata.get(ALIGNMENT_KEY);
        if (al != null) {
            if (al.type() != GgufValueType.UINT32) throw new FormatException(path, ALIGNMENT_KEY + " must be a uint32, not " + al.type());
            long a = al.asLong();
            if (a == 0 || (a & (a - 1)) != 0) throw new FormatException(path, ALIGNMENT_KEY + " " + a + " is not a power of two");
            if (a > (1 << 30)) throw new FormatException(path, ALIGNMENT_KEY + " " + a + " is absurdly large");
            alignment = (int) a;
        }

        record Raw(String name, long[] ne, GgmlType type, long offset, long bytes) {
        }
        List<Raw> raws = new ArrayList<>((int) nTensors);
        Map<String, Integer> names = new HashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = readString("name of tensor " + i);
            if (names.putIfAbsent(name, (int) i) != null) throw new FormatException(path, "duplicate tensor name " + q(name));
            long nDims = readU32("n_dims of tensor " + q(name));
            if (nDims > MAX_DIMS) throw new FormatException(path, "tensor " + q(name) + " has " + nDims + " dimensions (at most " + MAX_DIMS + ")");
            long[] ne = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = readU64("ne[" + d + "] of tensor " + q(name));
                if (ne[d] <= 0) throw new FormatException(path, "tensor " + q(name) + " has dimension ne[" + d + "] = " + Long.toUnsignedString(ne[d]));
                if (elements > Long.MAX_VALUE / ne[d]) throw new FormatException(path, "tensor " + q(name) + " has too many elements " + Arrays.toString(ne));
                elements *= ne[d];
            }
            long typeId = readU32("type of tensor " + q(name));
            GgmlType type = GgmlType.fromId(typeId).orElseThrow(
                    () -> new FormatException(path, "tensor " + q(name) + " has unknown ggml type " + typeId));
            long rowLength = nDims == 0 ? 1 : ne[0];
            if (rowLength % type.blockSize() != 0) {
                throw new FormatException(path, "tensor " + q(name) + " row length " + rowLength + " is not a multiple of the "
                        + type.label() + " block size " + type.blockSize());
            }
            long bytes;
            try {
                bytes = type.bytesFor(elements);
            } catch (ArithmeticException e) {
                throw new FormatException(path, "tensor " + q(name) + " is too large " + Arrays.toString(ne));
            }
            long offset = readU64("offset of tensor " + q(name));
            if (offset < 0 || offset % alignment != 0) {
                throw new FormatException(path, "tensor " + q(name) + " offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            }
            raws.add(new Raw(name, ne, type, offset, bytes));
        }

        long headerEnd = pos;
        long dataStart = align(headerEnd, alignment);
        List<GgufTensor> tensors = new ArrayList<>(raws.size());
        for (Raw r : raws) {
            if (r.offset > size || r.bytes > size - r.offset || dataStart > size - r.offset - r.bytes) {
                throw new FormatException(path, "tensor " + q(r.name) + " (" + r.bytes + " bytes at data offset " + r.offset
                        + ") runs past the end of the file (" + size + " bytes, data section at " + dataStart + ")");
            }
            TensorInfo info = new TensorInfo(r.name, r.type, GgufTensor.shapeOf(r.ne), dataStart + r.offset, r.bytes);
            tensors.add(new GgufTensor(info, r.ne, r.offset));
        }
        List<GgufTensor> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensor::relativeOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensor a = byOffset.get(i - 1), b = byOffset.get(i);
            if (a.relativeOffset() + a.info().byteSize() > b.relativeOffset()) {
                throw new FormatException(path, "tensors " + q(a.name()) + " and " + q(b.name()) + " overlap");
            }
        }
        return new GgufFile(path, arena, seg, version, alignment, headerEnd, dataStart, metadata, tensors);
    }

    /**
     * A key or tensor name quoted for an error message: control characters escaped and long names cut,
     * so the message stays one readable line whatever the file holds.
     */
    static String q(String s) {
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(s.length(), 80);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || Character.isISOControl(c) || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        if (s.length() > n) b.append("...");
        return b.append("'").toString();
    }

    static long align(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    /** Counts metadata objects against {@link #MAX_METADATA_OBJECTS}. */
    private void count(long n) throws FormatException {
        objects += n;
        if (objects > MAX_METADATA_OBJECTS) {
            throw new FormatException(path, "metadata holds more than " + MAX_METADATA_OBJECTS + " keys, strings and arrays");
        }
    }

    private void need(long n, String what) throws FormatException {
        if (n < 0 || n > size - pos) {
            throw new FormatException(path, "truncated: " + what + " at offset " + pos + " needs " + Long.toUnsignedString(n)
                    + " bytes, " + (size - pos) + " left");
        }
    }

    private long readU32(String what) throws FormatException {
        need(4, what);
        long v = seg.get(U32, pos) & 0xFFFF_FFFFL;
        pos += 4;
        return v;
    }

    private long readU64(String what) throws FormatException {
        need(8, what);
        long v = seg.get(U64, pos);
        pos += 8;
        return v;
    }

    private String readString(String what) throws FormatException {
        long len = readU64("length of " + what);
        need(len, what);
        if (len > MAX_STRING_BYTES) throw new FormatException(path, what + " has absurd length " + len);
        byte[] b = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) len);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    private GgufValueType readValueType(String what) throws FormatException {
        long at = pos;
        long id = readU32("value type of " + what);
        return GgufValueType.fromId(id).orElseThrow(
                () -> new FormatException(path, what + " has unknown value type " + id + " at offset " + at));
    }

    private GgufValue readValue(GgufValueType type, String key, int depth) throws FormatException {
        String what = "value of " + q(key);
        return switch (type) {
            case UINT8 -> new GgufValue(type, readBytes(1, what)[0] & 0xFFL);
            case INT8 -> new GgufValue(type, (long) readBytes(1, what)[0]);
            case UINT16 -> new GgufValue(type, readShort(what) & 0xFFFFL);
            case INT16 -> new GgufValue(type, (long) readShort(what));
            case UINT32 -> new GgufValue(type, readU32(what));
            case INT32 -> new GgufValue(type, (long) (int) readU32(what));
            case UINT64, INT64 -> new GgufValue(type, readU64(what));
            case FLOAT32 -> {
                need(4, what);
                float f = seg.get(F32, pos);
                pos += 4;
                yield new GgufValue(type, (double) f);
            }
            case FLOAT64 -> {
                need(8, what);
                double d = seg.get(F64, pos);
                pos += 8;
                yield new GgufValue(type, d);
            }
            case BOOL -> new GgufValue(type, readBool(what));
            case STRING -> new GgufValue(type, readString(what));
            case ARRAY -> new GgufValue(type, readArray(key, depth));
        };
    }

    private byte[] readBytes(int n, String what) throws FormatException {
        need(n, what);
        byte[] b = new byte[n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, n);
        pos += n;
        return b;
    }

    private short readShort(String what) throws FormatException {
        need(2, what);
        short s = seg.get(U16, pos);
        pos += 2;
        return s;
    }

    private boolean readBool(String what) throws FormatException {
        long at = pos;
        byte b = readBytes(1, what)[0];
        if (b != 0 && b != 1) throw new FormatException(path, what + " is a bool of value " + (b & 0xFF) + " at offset " + at);
        return b == 1;
    }

    private GgufArray readArray(String key, int depth) throws FormatException {
        if (depth >= MAX_ARRAY_DEPTH) throw new FormatException(path, "" + q(key) + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        GgufValueType et = readValueType("array elements of " + q(key));
        long n = readU64("array count of " + q(key));
        if (n < 0 || n > (size - pos) / et.minBytes() || n > Integer.MAX_VALUE - 16) {
            throw new FormatException(path, "array " + q(key) + " claims " + Long.toUnsignedString(n) + " " + et
                    + " elements, more than the " + (size - pos) + " bytes left can hold");
        }
        int count = (int) n;
        if (et == GgufValueType.STRING || et == GgufValueType.ARRAY) count(count);
        String what = "array " + q(key);
        Object values = switch (et) {
            case UINT8, INT8 -> readBytes(count, what);
            case UINT16, INT16 -> {
                short[] a = new short[count];
                MemorySegment.copy(seg, U16, pos, a, 0, count);
                pos += 2L * count;
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[count];
                MemorySegment.copy(seg, U32, pos, a, 0, count);
                pos += 4L * count;
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[count];
                MemorySegment.copy(seg, U64, pos, a, 0, count);
                pos += 8L * count;
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[count];
                MemorySegment.copy(seg, F32, pos, a, 0, count);
                pos += 4L * count;
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[count];
                MemorySegment.copy(seg, F64, pos, a, 0, count);
                pos += 8L * count;
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) a[i] = readBool(what + "[" + i + "]");
                yield a;
            }
            case STRING -> {
                // lengths checked first, then the bytes copied back to back (GgufArray.ofUtf8)
                long first = pos, total = 0;
                int[] ends = new int[count];
                for (int i = 0; i < count; i++) {
                    String item = what + "[" + i + "]";
                    long len = readU64("length of " + item);
                    need(len, item);
                    total += len;
                    if (total > MAX_STRING_BYTES) throw new FormatException(path, what + " holds more than " + MAX_STRING_BYTES + " bytes of strings");
                    ends[i] = (int) total;
                    pos += len;
                }
                byte[] data = new byte[(int) total];
                for (int i = 0, o = 0; i < count; i++) {
                    int len = ends[i] - o;
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, first + 8, data, o, len);
                    first += 8 + len;
                    o = ends[i];
                }
                yield GgufArray.ofUtf8(data, ends).values();
            }
            case ARRAY -> {
                List<GgufArray> a = new ArrayList<>(count);
                for (int i = 0; i < count; i++) a.add(readArray(key, depth + 1));
                yield a;
            }
        };
        // a string array is read-only as it is (GgufArray.ofUtf8)
        return new GgufArray(et, et == GgufValueType.ARRAY ? java.util.Collections.unmodifiableList((List<?>) values) : values);
    }
}
