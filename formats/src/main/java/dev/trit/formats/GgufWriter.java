package dev.trit.formats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes GGUF version 3 files in the layout of gguf-py's GGUFWriter (which llama.cpp's converters
 * use): header, kv pairs in insertion order, tensor infos, zero padding to the alignment, then each
 * tensor's data followed by zero padding to the alignment (after the last tensor too). Tensor offsets
 * are assigned in order, each a multiple of the alignment. A file with no tensors ends right after the
 * tensor infos, as llama.cpp's vocab-only files do (gguf-py would pad it; both read the same).
 *
 * <p>The file is written to a temporary file in the target directory and moved into place atomically,
 * so a failed write leaves no partial output. Tensor data is streamed one tensor at a time.
 */
public final class GgufWriter {
    /** llama.cpp refuses tensor names of GGML_MAX_NAME (64) bytes or more. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;

    /** Supplies a tensor's bytes: write exactly the declared byte size to {@code out}. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Pending(String name, GgmlType type, long[] ne, long bytes, MemorySegment segment, TensorData callback) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Sets a kv pair; a new key goes last, an existing key keeps its place (as gguf-py's dict does). */
    public GgufWriter put(String key, GgufValue value) {
        if (key.isEmpty()) throw new IllegalArgumentException("empty GGUF key");
        metadata.put(key, Objects.requireNonNull(value));
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> kv) {
        kv.forEach(this::put);
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    public Map<String, GgufValue> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    /** Adds a tensor whose bytes are in a segment (e.g. a slice of another mapped file). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        Pending p = pending(name, type, shape, data, null);
        if (data.byteSize() != p.bytes) {
            throw new IllegalArgumentException("tensor '" + name + "' " + type + Arrays.toString(shape) + " needs " + p.bytes
                    + " bytes, got " + data.byteSize());
        }
        tensors.add(p);
        return this;
    }

    /** Adds a tensor whose bytes a callback writes when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorData data) {
        tensors.add(pending(name, type, shape, null, Objects.requireNonNull(data)));
        return this;
    }

    /**
     * Validates and records a tensor. {@code shape} is row-major, outermost first (as in TensorInfo);
     * GGUF stores it reversed as ne[].
     */
    private Pending pending(String name, GgmlType type, long[] shape, MemorySegment seg, TensorData cb) {
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        if (nb.length == 0 || nb.length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' must be 1.." + MAX_TENSOR_NAME_BYTES + " bytes for llama.cpp");
        }
        if (!names.add(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        if (shape.length == 0 || shape.length > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' must have 1.." + GgufReader.MAX_DIMS + " dimensions");
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor '" + name + "' has dimension " + d);
            elements = Math.multiplyExact(elements, d);
        }
        long[] ne = GgufTensor.shapeOf(shape);
        if (ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row length " + ne[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        return new Pending(name, type, ne, type.bytesFor(elements), seg, cb);
    }

    /** A writer holding all metadata and tensors of a file (tensor bytes are read from its mapping). */
    public static GgufWriter copyOf(GgufFile file) {
        GgufWriter w = new GgufWriter();
        w.putAll(file.metadata());
        for (GgufTensor t : file.ggufTensors()) {
            w.addTensor(t.name(), t.type(), t.info().shape(), file.data(t.info()));
        }
        return w;
    }

    /**
     * A writer holding a file under another architecture name: {@code general.architecture} set to
     * {@code arch} and every {@code <old arch>.} key renamed to {@code <arch>.}, in place (the order of the
     * keys is kept); tensors as in {@link #copyOf}, streamed from the file's mapping when written. For
     * engines that know the same graph under another name (llama.cpp reads {@code bitnet-b1.58} files as
     * {@code bitnet}).
     */
    public static GgufWriter withArchitecture(GgufFile file, String arch) {
        if (arch.isBlank()) throw new IllegalArgumentException("bad architecture name '" + arch + "'");
        String old = file.architecture();
        if (old.isEmpty()) throw new IllegalArgumentException(file.path() + " has no general.architecture");
        String prefix = old + ".";
        GgufWriter w = new GgufWriter();
        file.metadata().forEach((k, v) -> {
            if (k.equals("general.architecture")) w.put(k, GgufValue.string(arch));
            else if (k.startsWith(prefix)) w.put(arch + "." + k.substring(prefix.length()), v);
            else w.put(k, v);
        });
        if (w.metadata.size() != file.metadata().size()) {
            throw new IllegalArgumentException(file.path() + ": renaming " + old + " to " + arch + " would merge keys");
        }
        for (GgufTensor t : file.ggufTensors()) {
            w.addTensor(t.name(), t.type(), t.info().shape(), file.data(t.info()));
        }
        return w;
    }

    /** The data alignment this file will use: {@code general.alignment} if set (uint32), else 32. */
    public int alignment() {
        GgufValue a = metadata.get(GgufReader.ALIGNMENT_KEY);
        if (a == null) return GgufReader.DEFAULT_ALIGNMENT;
        if (a.type() != GgufValueType.UINT32) throw new IllegalStateException(GgufReader.ALIGNMENT_KEY + " must be a uint32");
        long v = a.asLong();
        if (v == 0 || (v & (v - 1)) != 0 || v > (1 << 30)) throw new IllegalStateException(GgufReader.ALIGNMENT_KEY + " " + v + " is not a power of two");
        return (int) v;
    }

    /** The header (everything before the data section, padding included), as it will be written. */
    byte[] header() {
        int alignment = alignment();
        Buf b = new Buf();
        b.u32(GgufReader.MAGIC);
        b.u32(3);
        b.u64(tensors.size());
        b.u64(metadata.size());
        metadata.forEach((k, v) -> {
            b.string(k);
            b.u32(v.type().id());
            b.value(v);
        });
        long offset = 0;
        for (Pending t : tensors) {
            b.string(t.name);
            b.u32(t.ne.length);
            for (long d : t.ne) b.u64(d);
            b.u32(t.type.id());
            b.u64(offset);
            offset = GgufReader.align(offset + t.bytes, alignment);
        }
        if (!tensors.isEmpty()) {
            while (b.size() % alignment != 0) b.write(0);
        }
        return b.toByteArray();
    }

    /** Writes the file: temp file in the same directory, then an atomic move onto {@code target}. */
    public void write(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        int alignment = alignment();
        byte[] header = header();
        Path tmp = OutputFiles.tempFileBeside(abs);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, ByteBuffer.wrap(header));
                byte[] zeros = new byte[alignment];
                for (Pending t : tensors) {
                    long before = ch.position();
                    if (t.segment != null) {
                        writeSegment(ch, t.segment);
                    } else {
                        CountingStream out = new CountingStream(Channels.newOutputStream(ch));
                        t.callback.writeTo(out);
                        out.flush();
                    }
                    long written = ch.position() - before;
                    if (written != t.bytes) {
                        throw new FormatException(target, "tensor '" + t.name + "' supplied " + written + " bytes, expected " + t.bytes);
                    }
                    int pad = (int) (GgufReader.align(t.bytes, alignment) - t.bytes);
                    writeFully(ch, ByteBuffer.wrap(zeros, 0, pad));
                }
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
        long chunk = 1L << 26;
        for (long off = 0; off < seg.byteSize(); off += chunk) {
            writeFully(ch, seg.asSlice(off, Math.min(chunk, seg.byteSize() - off)).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Counts nothing itself: the channel position tells how much was written; this only buffers. */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        private final byte[] buf = new byte[1 << 16];
        private int n;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) flushBuffer();
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len >= buf.length) {
                flushBuffer();
                out.write(b, off, len);
                return;
            }
            if (len > buf.length - n) flushBuffer();
            System.arraycopy(b, off, buf, n, len);
            n += len;
        }

        private void flushBuffer() throws IOException {
            if (n > 0) out.write(buf, 0, n);
            n = 0;
        }

        @Override
        public void flush() throws IOException {
            flushBuffer();
        }

        @Override
        public void close() throws IOException {
            flush(); // the channel is the writer's to close
        }
    }

    /** Little-endian byte buffer for the header. */
    private static final class Buf extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u32(long v) {
            scratch.clear();
            scratch.putInt((int) v);
            write(scratch.array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            scratch.putLong(v);
            write(scratch.array(), 0, 8);
        }

        void u16(long v) {
            scratch.clear();
            scratch.putShort((short) v);
            write(scratch.array(), 0, 2);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void value(GgufValue v) {
            switch (v.type()) {
                case UINT8, INT8 -> write((int) v.asLong());
                case UINT16, INT16 -> u16(v.asLong());
                case UINT32, INT32 -> u32(v.asLong());
                case UINT64, INT64 -> u64(v.asLong());
                case FLOAT32 -> u32(Float.floatToRawIntBits((float) (double) (Double) v.value()));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v.value()));
                case BOOL -> write(v.asBoolean() ? 1 : 0);
                case STRING -> string(v.asString());
                case ARRAY -> array(v.asArray());
            }
        }

        void array(GgufArray a) {
            u32(a.elementType().id());
            u64(a.size());
            Object vs = a.values();
            switch (a.elementType()) {
                case UINT8, INT8 -> write((byte[]) vs, 0, a.size());
                case UINT16, INT16 -> {
                    for (short s : (short[]) vs) u16(s);
                }
                case UINT32, INT32 -> {
                    for (int i : (int[]) vs) u32(i);
                }
                case UINT64, INT64 -> {
                    for (long l : (long[]) vs) u64(l);
                }
                case FLOAT32 -> {
                    for (float f : (float[]) vs) u32(Float.floatToRawIntBits(f));
                }
                case FLOAT64 -> {
                    for (double d : (double[]) vs) u64(Double.doubleToRawLongBits(d));
                }
                case BOOL -> {
                    for (boolean x : (boolean[]) vs) write(x ? 1 : 0);
                }
                case STRING -> a.strings().forEach(this::string);
                case ARRAY -> a.arrays().forEach(this::array);
            }
        }
    }
}
