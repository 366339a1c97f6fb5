package dev.trit.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A GGUF file (version 2 or 3, little-endian), memory-mapped. Open with {@link #open}; see
 * {@link GgufReader} for the layout and the checks made before anything is trusted.
 *
 * <p>{@link #tensors()} gives shapes row-major (ggml's ne[] reversed) with absolute offsets, like every
 * TensorFile; {@link #ggufTensors()} and {@link #ne} keep ggml's own order.
 */
public final class GgufFile implements TensorFile {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final int alignment;
    private final long headerEnd;
    private final long dataStart;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensor> ggufTensors;
    private final List<TensorInfo> tensors;
    private final Map<String, GgufTensor> byName;

    GgufFile(Path path, Arena arena, MemorySegment segment, int version, int alignment, long headerEnd, long dataStart,
             Map<String, GgufValue> metadata, List<GgufTensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = version;
        this.alignment = alignment;
        this.headerEnd = headerEnd;
        this.dataStart = dataStart;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.ggufTensors = List.copyOf(tensors);
        this.tensors = tensors.stream().map(GgufTensor::info).toList();
        Map<String, GgufTensor> m = new HashMap<>();
        for (GgufTensor t : tensors) m.put(t.name(), t);
        this.byName = m;
    }

    /** Maps and parses a GGUF file; FormatException (one line: file and cause) if it is not valid. */
    public static GgufFile open(Path path) throws IOException {
        return GgufReader.open(path);
    }

    @Override
    public Path path() {
        return path;
    }

    /** The GGUF version (2 or 3). */
    public int version() {
        return version;
    }

    /** Data alignment: {@code general.alignment}, or 32. */
    public int alignment() {
        return alignment;
    }

    /** Where the tensor infos end (before the padding to the data section). */
    public long headerEnd() {
        return headerEnd;
    }

    /** Absolute offset of the data section (tensor offsets in the file are relative to it). */
    public long dataStart() {
        return dataStart;
    }

    /** All metadata, in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public Optional<GgufValue> value(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** The string at key; empty if absent. IllegalStateException if present with another type. */
    public Optional<String> string(String key) {
        GgufValue v = metadata.get(key);
        return v == null ? Optional.empty() : Optional.of(typed(key, v, GgufValueType.STRING).asString());
    }

    /** The integer at key (any GGUF integer type); empty if absent. IllegalStateException for other types. */
    public OptionalLong integer(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return OptionalLong.empty();
        if (!v.type().isInteger()) throw wrongType(key, v, "an integer");
        return OptionalLong.of(v.asLong());
    }

    /** The number at key (float32/64, or an integer converted); empty if absent. */
    public OptionalDouble real(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return OptionalDouble.empty();
        if (!v.type().isInteger() && !v.type().isFloat()) throw wrongType(key, v, "a number");
        return OptionalDouble.of(v.asDouble());
    }

    /** The bool at key; empty if absent. */
    public Optional<Boolean> bool(String key) {
        GgufValue v = metadata.get(key);
        return v == null ? Optional.empty() : Optional.of(typed(key, v, GgufValueType.BOOL).asBoolean());
    }

    /** The string array at key (unmodifiable); empty list if absent. IllegalStateException for other types. */
    public List<String> stringArray(String key) {
        GgufArray a = array(key, GgufValueType.STRING);
        return a == null ? List.of() : a.strings();
    }

    /** The float32 (or float64, narrowed) array at key, copied; empty if absent. */
    public float[] floatArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return new float[0];
        GgufArray a = typed(key, v, GgufValueType.ARRAY).asArray();
        if (a.elementType() == GgufValueType.FLOAT32) return ((float[]) a.values()).clone();
        if (a.elementType() != GgufValueType.FLOAT64) throw wrongType(key, v, "a float array");
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.real(i);
        return f;
    }

    /**
     * The integer array at key as int[] (any integer element type, each value must fit an int), copied;
     * empty if absent.
     */
    public int[] intArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return new int[0];
        GgufArray a = typed(key, v, GgufValueType.ARRAY).asArray();
        if (!a.elementType().isInteger()) throw wrongType(key, v, "an integer array");
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            long x = a.integer(i);
            if (a.elementType() == GgufValueType.UINT64 && x < 0 || x != (int) x) {
                throw new IllegalStateException(path + ": " + key + "[" + i + "] = " + x + " does not fit an int");
            }
            r[i] = (int) x;
        }
        return r;
    }

    /** {@code general.architecture} ("llama", "bitnet", ...), or "" if the file has none. */
    public String architecture() {
        return string("general.architecture").orElse("");
    }

    private GgufArray array(String key, GgufValueType element) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        GgufArray a = typed(key, v, GgufValueType.ARRAY).asArray();
        if (a.elementType() != element) throw wrongType(key, v, "an array of " + element);
        return a;
    }

    private GgufValue typed(String key, GgufValue v, GgufValueType want) {
        if (v.type() != want) throw wrongType(key, v, want.toString());
        return v;
    }

    private IllegalStateException wrongType(String key, GgufValue v, String want) {
        String got = v.value() instanceof GgufArray a ? "an array of " + a.elementType() : v.type().toString();
        return new IllegalStateException(path + ": metadata '" + key + "' is " + got + ", not " + want);
    }

    /** Scalar metadata as text (uint64 unsigned, floats as Java prints them); arrays are left out. */
    @Override
    public Map<String, String> stringMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (v.type() != GgufValueType.ARRAY) m.put(k, v.display());
        });
        return Collections.unmodifiableMap(m);
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** Tensors with their GGUF view (ne order, relative offset), in file order. */
    public List<GgufTensor> ggufTensors() {
        return ggufTensors;
    }

    public Optional<GgufTensor> ggufTensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        GgufTensor t = byName.get(name);
        return t == null ? Optional.empty() : Optional.of(t.info());
    }

    /** ggml's dimensions of a tensor, innermost first; IllegalArgumentException if there is no such tensor. */
    public long[] ne(String name) {
        GgufTensor t = byName.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor '" + name + "'");
        return t.ne();
    }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        GgufTensor t = byName.get(tensor.name());
        if (t == null || !t.info().equals(tensor)) throw new IllegalArgumentException(path + ": tensor " + tensor + " is not from this file");
        return segment.asSlice(tensor.offset(), tensor.byteSize());
    }

    /** The data of the named tensor; IllegalArgumentException if there is none. */
    public MemorySegment data(String name) {
        GgufTensor t = byName.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor '" + name + "'");
        return data(t.info());
    }

    /** The whole file, read-only (valid until close). */
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return path + " (GGUF v" + version + ", " + metadata.size() + " kv, " + tensors.size() + " tensors)";
    }
}
