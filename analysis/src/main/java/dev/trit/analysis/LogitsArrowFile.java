package dev.trit.analysis;

import dev.trit.formats.OutputFiles;
import dev.trit.engine.eval.LogitsDump;
import dev.trit.engine.eval.TopLogprobs;
import dev.trit.formats.FormatException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link LogitsDump} as an Arrow IPC file (the "file" format pyarrow, pandas, polars and DuckDB
 * read directly), one row per scored position:
 *
 * <pre>
 * window         int32         index of the window (fresh model state) the position belongs to
 * position       int32         offset of the predicted token in the tokenized text
 * token          int32         the token that came next (the one scored)
 * token_logprob  float32       base log-probability of that token (natural log)
 * top_ids        list&lt;int32&gt;   the k most likely tokens, most likely first
 * top_logprobs   list&lt;float32&gt; their log-probabilities
 * rest_logprob   float32       log of the probability of every other token together (-inf if none)
 * </pre>
 *
 * Schema metadata: {@code trit.kind = logits}, {@code trit.vocab_size}, {@code trit.top_k}, and the
 * dump's own metadata (model, text, protocol, ctx) under their names.
 *
 * <p>Lives in analysis, beside Arrow, so the engine needs no Arrow dependency: the engine computes
 * dumps, this class stores them, the CLI wires the two.
 */
public final class LogitsArrowFile {
    public static final String KIND = "logits";
    private static final int BATCH = 8192;
    // Far above any real vocabulary or top-k; guards allocations against corrupt metadata.
    private static final int MAX_VOCAB = 1 << 24, MAX_TOP_K = 1 << 16;

    private LogitsArrowFile() {
    }

    static Schema schema(Map<String, String> metadata) {
        FieldType i32 = FieldType.notNullable(new ArrowType.Int(32, true));
        FieldType f32 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
        return new Schema(List.of(
                new Field("window", i32, null),
                new Field("position", i32, null),
                new Field("token", i32, null),
                new Field("token_logprob", f32, null),
                new Field("top_ids", FieldType.notNullable(ArrowType.List.INSTANCE), List.of(new Field("item", i32, null))),
                new Field("top_logprobs", FieldType.notNullable(ArrowType.List.INSTANCE), List.of(new Field("item", f32, null))),
                new Field("rest_logprob", f32, null)), metadata);
    }

    /** Writes to a temporary file beside {@code target}, then moves it into place. */
    public static void write(Path target, LogitsDump dump) throws IOException {
        Map<String, String> meta = new HashMap<>(dump.metadata());
        meta.put("trit.kind", KIND);
        meta.put("trit.vocab_size", Integer.toString(dump.vocabSize()));
        meta.put("trit.top_k", Integer.toString(dump.topK()));
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = OutputFiles.tempFileBeside(target);
        try (BufferAllocator alloc = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(schema(meta), alloc);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
            w.start();
            List<LogitsDump.Row> rows = dump.rows();
            for (int from = 0; from < rows.size(); from += BATCH) {
                fill(root, rows.subList(from, Math.min(rows.size(), from + BATCH)));
                w.writeBatch();
            }
            w.end();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void fill(VectorSchemaRoot root, List<LogitsDump.Row> rows) {
        root.clear();
        root.allocateNew();
        IntVector window = (IntVector) root.getVector("window"), position = (IntVector) root.getVector("position"),
                token = (IntVector) root.getVector("token");
        Float4Vector tokenLp = (Float4Vector) root.getVector("token_logprob"), rest = (Float4Vector) root.getVector("rest_logprob");
        ListVector ids = (ListVector) root.getVector("top_ids"), lps = (ListVector) root.getVector("top_logprobs");
        IntVector idData = (IntVector) ids.getDataVector();
        Float4Vector lpData = (Float4Vector) lps.getDataVector();
        int element = 0;
        for (int i = 0; i < rows.size(); i++) {
            LogitsDump.Row r = rows.get(i);
            TopLogprobs t = r.top();
            window.setSafe(i, r.window());
            position.setSafe(i, r.position());
            token.setSafe(i, t.token());
            tokenLp.setSafe(i, t.tokenLogprob());
            rest.setSafe(i, t.restLogprob());
            ids.startNewValue(i);
            lps.startNewValue(i);
            for (int j = 0; j < t.ids().length; j++) {
                idData.setSafe(element + j, t.ids()[j]);
                lpData.setSafe(element + j, t.logprobs()[j]);
            }
            element += t.ids().length;
            ids.endValue(i, t.ids().length);
            lps.endValue(i, t.ids().length);
        }
        idData.setValueCount(element);
        lpData.setValueCount(element);
        root.setRowCount(rows.size());
    }

    /** Reads a file written by {@link #write}; anything else is a one-line FormatException. */
    public static LogitsDump read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "no such file");
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root;
            Schema schema;
            try {
                root = reader.getVectorSchemaRoot();
                schema = root.getSchema();
            } catch (RuntimeException | IOException e) {
                throw new FormatException(file, "not an Arrow IPC file (" + oneLine(e) + ")");
            }
            Map<String, String> meta = schema.getCustomMetadata() == null ? Map.of() : schema.getCustomMetadata();
            if (!KIND.equals(meta.get("trit.kind"))) throw new FormatException(file, "not a trit logits file (metadata trit.kind is not \"logits\")");
            Schema expected = schema(meta);
            if (!expected.getFields().equals(schema.getFields())) {
                throw new FormatException(file, "unexpected columns " + schema.getFields() + ", expected " + expected.getFields());
            }
            int vocab = positiveInt(file, meta, "trit.vocab_size", MAX_VOCAB), topK = positiveInt(file, meta, "trit.top_k", MAX_TOP_K);
            List<LogitsDump.Row> rows = new ArrayList<>();
            try {
                for (ArrowBlock block : ArrowBlocks.of(file, reader, ch.size())) {
                    reader.loadRecordBatch(block);
                    readBatch(file, root, vocab, topK, rows);
                }
            } catch (FormatException e) {
                throw e;
            } catch (RuntimeException | IOException e) {
                throw new FormatException(file, "corrupt Arrow data (" + oneLine(e) + ")");
            }
            Map<String, String> own = new HashMap<>(meta);
            own.keySet().removeIf(k -> k.startsWith("trit."));
            return new LogitsDump(vocab, topK, own, rows);
        } catch (FormatException e) {
            throw e;
        } catch (RuntimeException | IOException e) {
            throw new FormatException(file, "not a readable Arrow IPC file (" + oneLine(e) + ")");
        }
    }

    private static void readBatch(Path file, VectorSchemaRoot root, int vocab, int topK, List<LogitsDump.Row> rows) throws FormatException {
        IntVector window = (IntVector) root.getVector("window"), position = (IntVector) root.getVector("position"),
                token = (IntVector) root.getVector("token");
        Float4Vector tokenLp = (Float4Vector) root.getVector("token_logprob"), rest = (Float4Vector) root.getVector("rest_logprob");
        ListVector ids = (ListVector) root.getVector("top_ids"), lps = (ListVector) root.getVector("top_logprobs");
        IntVector idData = (IntVector) ids.getDataVector();
        Float4Vector lpData = (Float4Vector) lps.getDataVector();
        for (FieldVector v : root.getFieldVectors()) {
            if (v.getNullCount() > 0) throw new FormatException(file, "column " + v.getName() + " has nulls");
        }
        for (int i = 0; i < root.getRowCount(); i++) {
            int start = ids.getElementStartIndex(i), end = ids.getElementEndIndex(i);
            if (start != lps.getElementStartIndex(i) || end != lps.getElementEndIndex(i)) {
                throw new FormatException(file, "row " + (rows.size()) + ": top_ids and top_logprobs differ in length");
            }
            int n = end - start;
            if (n < 0 || n > topK || end > idData.getValueCount()) throw new FormatException(file, "row " + rows.size() + ": bad top-k list");
            int[] top = new int[n];
            float[] lp = new float[n];
            for (int j = 0; j < n; j++) {
                top[j] = idData.get(start + j);
                lp[j] = lpData.get(start + j);
                if (top[j] < 0 || top[j] >= vocab) throw new FormatException(file, "row " + rows.size() + ": token id " + top[j] + " outside the vocabulary");
            }
            int tok = token.get(i);
            if (tok < 0 || tok >= vocab) throw new FormatException(file, "row " + rows.size() + ": token id " + tok + " outside the vocabulary");
            rows.add(new LogitsDump.Row(window.get(i), position.get(i), new TopLogprobs(tok, tokenLp.get(i), top, lp, rest.get(i))));
        }
    }

    private static int positiveInt(Path file, Map<String, String> meta, String key, int max) throws FormatException {
        try {
            int v = Integer.parseInt(meta.getOrDefault(key, ""));
            if (v < 1 || v > max) throw new FormatException(file, key + " = " + v + " is out of range");
            return v;
        } catch (NumberFormatException e) {
            throw new FormatException(file, "metadata " + key + " missing or not a number");
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }
}
