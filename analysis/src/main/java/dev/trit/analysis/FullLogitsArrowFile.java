package dev.trit.analysis;

import dev.trit.engine.eval.FullBaseWindow;
import dev.trit.engine.eval.FullLogprobs;
import dev.trit.formats.FormatException;
import dev.trit.formats.OutputFiles;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A full-vocabulary KL-divergence base (every log-probability of every scored position, as
 * llama-perplexity's {@code --kl-divergence-base} keeps them) as an Arrow IPC file, one row per scored
 * position and one record batch per window:
 *
 * <pre>
 * window       int32                        index of the window (fresh model state)
 * position     int32                        offset of the predicted token in the tokenized text
 * token        int32                        the token that came next (the one scored)
 * scale        float32                      nats per 16-bit step
 * min_logprob  float32                      log-probability of step 0
 * logprobs     fixed_size_list&lt;uint16&gt;[V]   per vocabulary entry its step q: log p = scale * q + min_logprob
 * </pre>
 *
 * Schema metadata: {@code trit.kind = logits-full}, {@code trit.vocab_size}, and the base's own metadata
 * (model, text, protocol, ctx, max_windows). The 16-bit steps are llama.cpp's ({@link FullLogprobs}):
 * 2 bytes per token and position, a quarter of float32, and the same rounding llama.cpp's own
 * statistics carry. Arrow rather than llama.cpp's headerless {@code .kld} layout so the file says
 * what it was made from (trit kld checks the text, protocol and context against it), covers both
 * window protocols, and opens in pyarrow/pandas/polars/DuckDB like every other trit result file
 * ({@code pyarrow.ipc.open_file(f).read_all()["logprobs"]} flattens to a uint16 array of n x V).
 * Written and read a window at a time, so a base larger than memory streams.
 */
public final class FullLogitsArrowFile {
    public static final String KIND = "logits-full";
    private static final int MAX_VOCAB = 1 << 24;

    private FullLogitsArrowFile() {
    }

    static Schema schema(int vocab, Map<String, String> metadata) {
        FieldType i32 = FieldType.notNullable(new ArrowType.Int(32, true));
        FieldType f32 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
        FieldType u16 = FieldType.notNullable(new ArrowType.Int(16, false));
        return new Schema(List.of(
                new Field("window", i32, null),
                new Field("position", i32, null),
                new Field("token", i32, null),
                new Field("scale", f32, null),
                new Field("min_logprob", f32, null),
                new Field("logprobs", FieldType.notNullable(new ArrowType.FixedSizeList(vocab)), List.of(new Field("item", u16, null)))), metadata);
    }

    /** Bytes a full base of {@code positions} scored tokens over a vocabulary takes (the 16-bit steps; the rest is small). */
    public static long estimatedBytes(long positions, int vocab) {
        return positions * (2L * vocab + 20);
    }

    /**
     * The {@code trit.kind} of an Arrow logits file ({@link LogitsArrowFile#KIND} for top-k, {@link #KIND}
     * for full), or a one-line FormatException if it is no such file.
     */
    public static String kind(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "no such file");
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            Map<String, String> meta = reader.getVectorSchemaRoot().getSchema().getCustomMetadata();
            String kind = meta == null ? null : meta.get("trit.kind");
            if (!LogitsArrowFile.KIND.equals(kind) && !KIND.equals(kind)) {
                throw new FormatException(file, "not a trit logits file (metadata trit.kind is neither \"logits\" nor \"logits-full\")");
            }
            return kind;
        } catch (FormatException e) {
            throw e;
        } catch (RuntimeException | IOException e) {
            throw new FormatException(file, "not an Arrow IPC file (" + oneLine(e) + ")");
        }
    }

    /** Streams a full base to a temporary file beside the target; {@link #commit} moves it into place, {@link #close} alone discards it. */
    public static final class Writer implements FullBaseWindow.Sink, AutoCloseable {
        private final Path target, tmp;
        private final int vocab;
        private final BufferAllocator alloc;
        private final VectorSchemaRoot root;
        private final FileChannel ch;
        private final ArrowFileWriter w;
        private long positions;
        private boolean done;

        public Writer(Path target, int vocab, Map<String, String> metadata) throws IOException {
            if (vocab < 1 || vocab > MAX_VOCAB) throw new IllegalArgumentException("vocabulary of " + vocab);
            Map<String, String> meta = new HashMap<>(metadata);
            meta.put("trit.kind", KIND);
            meta.put("trit.vocab_size", Integer.toString(vocab));
            this.target = target;
            this.vocab = vocab;
            Files.createDirectories(target.toAbsolutePath().getParent());
            tmp = OutputFiles.tempFileBeside(target);
            alloc = new RootAllocator();
            root = VectorSchemaRoot.create(schema(vocab, meta), alloc);
            ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            w = new ArrowFileWriter(root, null, ch);
            w.start();
        }

        @Override
        public void accept(FullBaseWindow win) throws IOException {
            FullLogprobs[] rows = win.rows();
            int n = rows.length;
            root.clear();
            for (FieldVector v : root.getFieldVectors()) v.setInitialCapacity(n);
            root.allocateNew();
            IntVector window = (IntVector) root.getVector("window"), position = (IntVector) root.getVector("position"),
                    token = (IntVector) root.getVector("token");
            Float4Vector scale = (Float4Vector) root.getVector("scale"), min = (Float4Vector) root.getVector("min_logprob");
            FixedSizeListVector lps = (FixedSizeListVector) root.getVector("logprobs");
            UInt2Vector data = (UInt2Vector) lps.getDataVector();
            long values = (long) n * vocab;
            if (values > Integer.MAX_VALUE) throw new IllegalArgumentException("window too large for one record batch");
            if (data.getValueCapacity() < values) data.allocateNew((int) values);
            ByteBuffer bytes = ByteBuffer.allocate(2 * vocab).order(ByteOrder.LITTLE_ENDIAN);
            ArrowBuf buf = data.getDataBuffer();
            for (int i = 0; i < n; i++) {
                FullLogprobs r = rows[i];
                if (r.vocabSize() != vocab) throw new IllegalArgumentException("row of " + r.vocabSize() + " tokens in a base of " + vocab);
                window.setSafe(i, win.window());
                position.setSafe(i, win.firstPosition() + i);
                token.setSafe(i, r.token());
                scale.setSafe(i, r.scale());
                min.setSafe(i, r.minLogprob());
                lps.setNotNull(i);
                bytes.clear();
                bytes.asShortBuffer().put(r.q());
                buf.setBytes((long) i * 2 * vocab, bytes.array(), 0, 2L * vocab);
            }
            data.getValidityBuffer().setOne(0, (values + 7) / 8);
            data.setValueCount((int) values);
            root.setRowCount(n);
            w.writeBatch();
            positions += n;
        }

        public long positions() {
            return positions;
        }

        /** Finishes the file and moves it to the target (atomically). */
        public void commit() throws IOException {
            w.end();
            closeAll();
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        }

        private void closeAll() throws IOException {
            try (alloc; root; ch; w) {
                // closed in reverse order: writer, channel, vectors, allocator
            }
        }

        @Override
        public void close() throws IOException {
            if (done) return;
            done = true;
            try {
                closeAll();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Reads a full base window by window (one record batch each), checking it as it goes. */
    public static final class Reader implements FullBaseWindow.Source, AutoCloseable {
        private final Path file;
        private final BufferAllocator alloc;
        private final FileChannel ch;
        private final ArrowFileReader reader;
        private final VectorSchemaRoot root;
        private final List<ArrowBlock> blocks;
        private final int vocab;
        private final Map<String, String> metadata;
        private int next;

        public Reader(Path file) throws IOException {
            if (!Files.isRegularFile(file)) throw new FormatException(file, "no such file");
            this.file = file;
            alloc = new RootAllocator();
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                reader = new ArrowFileReader(ch, alloc);
                Schema schema;
                try {
                    root = reader.getVectorSchemaRoot();
                    schema = root.getSchema();
                    blocks = ArrowBlocks.of(file, reader, ch.size());
                } catch (FormatException e) {
                    throw e;
                } catch (RuntimeException | IOException e) {
                    throw new FormatException(file, "not an Arrow IPC file (" + oneLine(e) + ")");
                }
                Map<String, String> meta = schema.getCustomMetadata() == null ? Map.of() : schema.getCustomMetadata();
                if (!KIND.equals(meta.get("trit.kind"))) throw new FormatException(file, "not a trit full logits file (metadata trit.kind is not \"logits-full\")");
                try {
                    vocab = Integer.parseInt(meta.getOrDefault("trit.vocab_size", ""));
                } catch (NumberFormatException e) {
                    throw new FormatException(file, "metadata trit.vocab_size missing or not a number");
                }
                if (vocab < 1 || vocab > MAX_VOCAB) throw new FormatException(file, "trit.vocab_size = " + vocab + " is out of range");
                if (!schema(vocab, meta).getFields().equals(schema.getFields())) {
                    throw new FormatException(file, "unexpected columns " + schema.getFields() + ", expected " + schema(vocab, meta).getFields());
                }
                Map<String, String> own = new HashMap<>(meta);
                own.keySet().removeIf(k -> k.startsWith("trit."));
                metadata = Map.copyOf(own);
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        public int vocabSize() {
            return vocab;
        }

        /** The base's own metadata (model, text, protocol, ctx, max_windows). */
        public Map<String, String> metadata() {
            return metadata;
        }

        @Override
        public FullBaseWindow next() throws IOException {
            if (next >= blocks.size()) return null;
            try {
                reader.loadRecordBatch(blocks.get(next++));
            } catch (RuntimeException | IOException e) {
                throw new FormatException(file, "corrupt Arrow data (" + oneLine(e) + ")");
            }
            int n = root.getRowCount();
            for (FieldVector v : root.getFieldVectors()) {
                if (v.getNullCount() > 0) throw new FormatException(file, "column " + v.getName() + " has nulls");
            }
            IntVector window = (IntVector) root.getVector("window"), position = (IntVector) root.getVector("position"),
                    token = (IntVector) root.getVector("token");
            Float4Vector scale = (Float4Vector) root.getVector("scale"), min = (Float4Vector) root.getVector("min_logprob");
            FixedSizeListVector lps = (FixedSizeListVector) root.getVector("logprobs");
            UInt2Vector data = (UInt2Vector) lps.getDataVector();
            if (n == 0) throw new FormatException(file, "record batch " + (next - 1) + " is empty");
            if (data.getValueCount() < (long) n * vocab) throw new FormatException(file, "record batch " + (next - 1) + ": logprobs shorter than its rows");
            if (data.getNullCount() > 0) throw new FormatException(file, "logprobs have nulls");
            FullLogprobs[] rows = new FullLogprobs[n];
            byte[] bytes = new byte[2 * vocab];
            ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            ArrowBuf buf = data.getDataBuffer();
            for (int i = 0; i < n; i++) {
                if (window.get(i) != window.get(0) || position.get(i) != position.get(0) + i) {
                    throw new FormatException(file, "record batch " + (next - 1) + " is not one window of consecutive positions");
                }
                int tok = token.get(i);
                if (tok < 0 || tok >= vocab) throw new FormatException(file, "token id " + tok + " outside the vocabulary");
                float s = scale.get(i), m = min.get(i);
                if (!(s >= 0) || !Float.isFinite(s) || !Float.isFinite(m)) throw new FormatException(file, "bad scale " + s + " or min_logprob " + m);
                buf.getBytes((long) i * 2 * vocab, bytes, 0, 2 * vocab);
                short[] q = new short[vocab];
                bb.clear();
                bb.asShortBuffer().get(q);
                rows[i] = new FullLogprobs(tok, s, m, q);
            }
            return new FullBaseWindow(window.get(0), position.get(0), rows);
        }

        @Override
        public void close() throws IOException {
            try (alloc; ch; reader) {
                // reader, channel, allocator (null-safe: a resource that was never opened is skipped)
            }
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }
}
