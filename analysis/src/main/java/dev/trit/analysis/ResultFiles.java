package dev.trit.analysis;

import dev.trit.formats.OutputFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.FormatException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes {@link ResultTable}s in two formats with the same content:
 * <ul>
 *   <li><b>Arrow IPC file format</b> ({@code .arrow}, also called Feather v2): one record batch with
 *       columns model, variant, task, scope, metric, unit (utf8, not null) and value (float64), and
 *       schema metadata {@code trit.schema = trit.results/1}. pandas.read_feather,
 *       pyarrow.ipc.open_file, polars.read_ipc and DuckDB read it as is.</li>
 *   <li><b>JSON</b>: {@code {"schema": "trit.results/1", "rows": [{"model": ..., "variant": ...,
 *       "task": ..., "scope": ..., "metric": ..., "value": ..., "unit": ...}, ...]}}; a value that is
 *       not finite is written as null.</li>
 * </ul>
 * Files are written to a temporary file in the target directory and moved into place. Readers tell
 * the format by content (the Arrow file magic "ARROW1"), not by file name.
 */
public final class ResultFiles {
    private ResultFiles() {
    }

    static final byte[] ARROW_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
    static final List<String> TEXT_COLUMNS = List.of("model", "variant", "task", "scope", "metric", "unit");
    static {
        // Netty (Arrow's allocator) refuses sun.misc.Unsafe on JDK 24+ unless told otherwise, and
        // Arrow cannot allocate without it. Set before any Arrow class loads; a -D flag wins.
        if (System.getProperty("io.netty.noUnsafe") == null) System.setProperty("io.netty.noUnsafe", "false");
        // Arrow logs through SLF4J; without a binding SLF4J prints three warning lines on every run.
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The Arrow schema of a result table. */
    public static Schema arrowSchema() {
        List<Field> fields = new ArrayList<>();
        for (String c : TEXT_COLUMNS.subList(0, 5)) fields.add(new Field(c, FieldType.notNullable(new ArrowType.Utf8()), null));
        fields.add(new Field("value", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null));
        fields.add(new Field("unit", FieldType.notNullable(new ArrowType.Utf8()), null));
        return new Schema(fields, Map.of("trit.schema", ResultTable.SCHEMA));
    }

    /** Writes the table as an Arrow IPC file. */
    public static void writeArrow(ResultTable table, Path file) throws IOException {
        Path tmp = tempBeside(file);
        try (BufferAllocator alloc = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(arrowSchema(), alloc);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
            List<ResultRow> rows = table.rows();
            root.allocateNew();
            VarCharVector[] text = new VarCharVector[TEXT_COLUMNS.size()];
            for (int c = 0; c < text.length; c++) text[c] = (VarCharVector) root.getVector(TEXT_COLUMNS.get(c));
            Float8Vector value = (Float8Vector) root.getVector("value");
            for (int i = 0; i < rows.size(); i++) {
                ResultRow r = rows.get(i);
                String[] t = {r.model(), r.variant(), r.task(), r.scope(), r.metric(), r.unit()};
                for (int c = 0; c < t.length; c++) text[c].setSafe(i, t[c].getBytes(StandardCharsets.UTF_8));
                value.setSafe(i, r.value());
            }
            root.setRowCount(rows.size());
            w.start();
            w.writeBatch();
            w.end();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes the table as JSON. */
    public static void writeJson(ResultTable table, Path file) throws IOException {
        Path tmp = tempBeside(file);
        try {
            Files.writeString(tmp, toJson(table) + "\n");
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static String toJson(ResultTable table) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", ResultTable.SCHEMA);
        ArrayNode rows = root.putArray("rows");
        for (ResultRow r : table.rows()) {
            ObjectNode o = rows.addObject();
            o.put("model", r.model());
            o.put("variant", r.variant());
            o.put("task", r.task());
            o.put("scope", r.scope());
            o.put("metric", r.metric());
            if (Double.isFinite(r.value())) o.put("value", r.value());
            else o.putNull("value");
            o.put("unit", r.unit());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a result file, Arrow IPC or JSON (told apart by content). */
    public static ResultTable read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, Files.exists(file) ? "not a regular file" : "no such file");
        byte[] head = new byte[ARROW_MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        return n == head.length && java.util.Arrays.equals(head, ARROW_MAGIC) ? readArrow(file) : readJson(file);
    }

    public static ResultTable readArrow(Path file) throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            Schema schema = root.getSchema();
            for (String c : TEXT_COLUMNS) {
                Field f = schema.findField(c);
                if (!(f.getType() instanceof ArrowType.Utf8)) throw new FormatException(file, "column " + c + " is " + f.getType() + ", not utf8");
            }
            if (!(schema.findField("value").getType() instanceof ArrowType.FloatingPoint fp) || fp.getPrecision() != FloatingPointPrecision.DOUBLE) {
                throw new FormatException(file, "column value is not float64");
            }
            for (ArrowBlock block : ArrowBlocks.of(file, reader, ch.size())) {
                reader.loadRecordBatch(block);
                VarCharVector[] text = new VarCharVector[TEXT_COLUMNS.size()];
                for (int c = 0; c < text.length; c++) text[c] = (VarCharVector) root.getVector(TEXT_COLUMNS.get(c));
                Float8Vector value = (Float8Vector) root.getVector("value");
                for (int i = 0; i < root.getRowCount(); i++) {
                    String[] t = new String[text.length];
                    for (int c = 0; c < t.length; c++) {
                        if (text[c].isNull(i)) throw new FormatException(file, "row " + i + ": " + TEXT_COLUMNS.get(c) + " is null");
                        t[c] = new String(text[c].get(i), StandardCharsets.UTF_8);
                    }
                    rows.add(new ResultRow(t[0], t[1], t[2], t[3], t[4], value.isNull(i) ? Double.NaN : value.get(i), t[5]));
                }
            }
        } catch (FormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Arrow reports a corrupt file with assorted exceptions; the user needs one line.
            throw new FormatException(file, "not a readable Arrow IPC result file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + ")");
        }
        return new ResultTable(rows);
    }

    public static ResultTable readJson(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new FormatException(file, "not a JSON object");
        JsonNode schema = root.get("schema");
        if (schema == null || !schema.isTextual() || !schema.textValue().equals(ResultTable.SCHEMA)) {
            throw new FormatException(file, "schema is " + (schema == null ? "missing" : schema) + ", not \"" + ResultTable.SCHEMA + "\"");
        }
        JsonNode rowsNode = root.get("rows");
        if (rowsNode == null || !rowsNode.isArray()) throw new FormatException(file, "rows is missing or not a list");
        List<ResultRow> rows = new ArrayList<>();
        int i = 0;
        for (JsonNode r : rowsNode) {
            if (!r.isObject()) throw new FormatException(file, "row " + i + " is not an object");
            String[] t = new String[TEXT_COLUMNS.size()];
            for (int c = 0; c < t.length; c++) {
                String col = TEXT_COLUMNS.get(c);
                JsonNode v = r.get(col);
                if (v == null || !v.isTextual()) throw new FormatException(file, "row " + i + ": " + col + " is missing or not a string");
                t[c] = v.textValue();
            }
            JsonNode v = r.get("value");
            double value;
            if (v == null) throw new FormatException(file, "row " + i + ": value is missing");
            else if (v.isNull()) value = Double.NaN;
            else if (v.isNumber()) value = v.doubleValue();
            else throw new FormatException(file, "row " + i + ": value is " + v + ", not a number");
            rows.add(new ResultRow(t[0], t[1], t[2], t[3], t[4], value, t[5]));
            i++;
        }
        return new ResultTable(rows);
    }

    static Path tempBeside(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return OutputFiles.tempFileBeside(file);
    }
}
