package dev.trit.analysis;

import dev.trit.formats.OutputFiles;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import dev.trit.engine.LinearInputObserver.Projection;
import dev.trit.formats.FormatException;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The arrays of a {@code trit activations} run as an Arrow IPC file: one row per linear (forward order)
 * with columns {@code linear} (module name), {@code layer} (−1: lm_head), {@code in_features},
 * {@code tokens}, the lists {@code token_absmax} (float32, one per token, window-major, BOS rows
 * included), {@code chan_absmax} (float32), {@code chan_mean}, {@code chan_meansq} (float64) and
 * {@code outlier_channels} (int32), and the scalars {@code int8_token_mse}, {@code int4_token_mse},
 * {@code int8_tensor_mse}. Schema metadata: {@code trit.kind = activations}, {@code trit.outlier_factor}
 * and whatever the caller adds (model, ctx, windows). Lists keep each linear's arrays of different
 * lengths in one table; pyarrow/pandas/polars read them as list columns.
 */
public final class ActivationsArrowFile {
    public static final String KIND = "activations";

    private ActivationsArrowFile() {
    }

    static Schema schema(Map<String, String> metadata) {
        FieldType i32 = FieldType.notNullable(new ArrowType.Int(32, true));
        FieldType f32 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
        FieldType f64 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
        List<Field> fields = new ArrayList<>(List.of(
                new Field("linear", FieldType.notNullable(new ArrowType.Utf8()), null),
                new Field("layer", i32, null), new Field("in_features", i32, null), new Field("tokens", i32, null),
                list("token_absmax", f32), list("chan_absmax", f32), list("chan_mean", f64), list("chan_meansq", f64),
                list("outlier_channels", i32)));
        for (String s : List.of("int8_token_mse", "int4_token_mse", "int8_tensor_mse")) fields.add(new Field(s, f64, null));
        return new Schema(fields, metadata);
    }

    private static Field list(String name, FieldType item) {
        return new Field(name, FieldType.notNullable(ArrowType.List.INSTANCE), List.of(new Field("item", item, null)));
    }

    /** Writes to a temporary file beside {@code target}, then moves it into place. */
    public static void write(Path target, List<LinearActivations> linears, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new HashMap<>(metadata);
        meta.put("trit.kind", KIND);
        meta.put("trit.outlier_factor", Double.toString(ActivationStats.OUTLIER_FACTOR));
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = OutputFiles.tempFileBeside(target);
        try (BufferAllocator alloc = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(schema(meta), alloc);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
            fill(root, linears);
            w.start();
            w.writeBatch();
            w.end();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void fill(VectorSchemaRoot root, List<LinearActivations> linears) {
        root.allocateNew();
        VarCharVector name = (VarCharVector) root.getVector("linear");
        for (int i = 0; i < linears.size(); i++) {
            LinearActivations a = linears.get(i);
            name.setSafe(i, a.name().getBytes(StandardCharsets.UTF_8));
            ((IntVector) root.getVector("layer")).setSafe(i, a.layer());
            ((IntVector) root.getVector("in_features")).setSafe(i, a.cols());
            ((IntVector) root.getVector("tokens")).setSafe(i, a.tokens());
            ((Float8Vector) root.getVector("int8_token_mse")).setSafe(i, a.int8TokenMse());
            ((Float8Vector) root.getVector("int4_token_mse")).setSafe(i, a.int4TokenMse());
            ((Float8Vector) root.getVector("int8_tensor_mse")).setSafe(i, a.int8TensorMse());
        }
        floats((ListVector) root.getVector("token_absmax"), linears.stream().map(LinearActivations::tokenAbsmax).toList());
        floats((ListVector) root.getVector("chan_absmax"), linears.stream().map(LinearActivations::chanAbsmax).toList());
        doubles((ListVector) root.getVector("chan_mean"), linears.stream().map(LinearActivations::chanMean).toList());
        doubles((ListVector) root.getVector("chan_meansq"), linears.stream().map(LinearActivations::chanMeanSq).toList());
        ints((ListVector) root.getVector("outlier_channels"), linears.stream().map(LinearActivations::outliers).toList());
        root.setRowCount(linears.size());
    }

    private static void floats(ListVector list, List<float[]> rows) {
        Float4Vector data = (Float4Vector) list.getDataVector();
        int k = 0;
        for (int i = 0; i < rows.size(); i++) {
            list.startNewValue(i);
            for (float f : rows.get(i)) data.setSafe(k++, f);
            list.endValue(i, rows.get(i).length);
        }
        data.setValueCount(k);
    }

    private static void doubles(ListVector list, List<double[]> rows) {
        Float8Vector data = (Float8Vector) list.getDataVector();
        int k = 0;
        for (int i = 0; i < rows.size(); i++) {
            list.startNewValue(i);
            for (double d : rows.get(i)) data.setSafe(k++, d);
            list.endValue(i, rows.get(i).length);
        }
        data.setValueCount(k);
    }

    private static void ints(ListVector list, List<int[]> rows) {
        IntVector data = (IntVector) list.getDataVector();
        int k = 0;
        for (int i = 0; i < rows.size(); i++) {
            list.startNewValue(i);
            for (int v : rows.get(i)) data.setSafe(k++, v);
            list.endValue(i, rows.get(i).length);
        }
        data.setValueCount(k);
    }

    /** Whether the file is an Arrow IPC file written by {@link #write} (schema metadata trit.kind = activations). */
    public static boolean is(Path file) {
        if (!Files.isRegularFile(file)) return false;
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            Map<String, String> meta = reader.getVectorSchemaRoot().getSchema().getCustomMetadata();
            return meta != null && KIND.equals(meta.get("trit.kind"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A file read back: its schema metadata and every linear, as {@link ActivationStats} made them. */
    public record Contents(Map<String, String> metadata, List<LinearActivations> linears) {
    }

    /** Reads a file {@link #write} wrote; the medians are recomputed from the arrays (as ActivationStats computes them). */
    public static Contents read(Path file) throws IOException {
        List<LinearActivations> out = new ArrayList<>();
        Map<String, String> meta;
        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            meta = root.getSchema().getCustomMetadata() == null ? Map.of() : Map.copyOf(root.getSchema().getCustomMetadata());
            if (!KIND.equals(meta.get("trit.kind"))) throw new FormatException(file, "not a trit activations file (metadata trit.kind is not \"activations\")");
            int windows = Integer.parseInt(meta.getOrDefault("trit.windows", "0"));
            for (ArrowBlock block : ArrowBlocks.of(file, reader, ch.size())) {
                reader.loadRecordBatch(block);
                for (int i = 0; i < root.getRowCount(); i++) {
                    String name = new String(((VarCharVector) root.getVector("linear")).get(i), StandardCharsets.UTF_8);
                    int layer = ((IntVector) root.getVector("layer")).get(i), cols = ((IntVector) root.getVector("in_features")).get(i);
                    float[] tok = floatList(root, "token_absmax", i), chan = floatList(root, "chan_absmax", i);
                    float[] sorted = chan.clone();
                    java.util.Arrays.sort(sorted);
                    double median = cols % 2 == 1 ? sorted[cols / 2] : ((double) sorted[cols / 2 - 1] + sorted[cols / 2]) / 2;
                    Projection proj = Projection.LM_HEAD;
                    for (Projection p : Projection.values()) if (p.moduleName(Math.max(layer, 0)).equals(name)) proj = p;
                    out.add(new LinearActivations(name, layer, proj, cols, windows, tok, chan, doubleList(root, "chan_mean", i),
                            doubleList(root, "chan_meansq", i), ((Float8Vector) root.getVector("int8_token_mse")).get(i),
                            ((Float8Vector) root.getVector("int4_token_mse")).get(i), ((Float8Vector) root.getVector("int8_tensor_mse")).get(i),
                            median, intList(root, "outlier_channels", i)));
                }
            }
        } catch (FormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new FormatException(file, "not a readable trit activations file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + ")");
        }
        return new Contents(meta, out);
    }

    private static float[] floatList(VectorSchemaRoot root, String col, int row) {
        ListVector l = (ListVector) root.getVector(col);
        Float4Vector d = (Float4Vector) l.getDataVector();
        int a = l.getElementStartIndex(row), b = l.getElementEndIndex(row);
        float[] v = new float[b - a];
        for (int k = a; k < b; k++) v[k - a] = d.get(k);
        return v;
    }

    private static double[] doubleList(VectorSchemaRoot root, String col, int row) {
        ListVector l = (ListVector) root.getVector(col);
        Float8Vector d = (Float8Vector) l.getDataVector();
        int a = l.getElementStartIndex(row), b = l.getElementEndIndex(row);
        double[] v = new double[b - a];
        for (int k = a; k < b; k++) v[k - a] = d.get(k);
        return v;
    }

    private static int[] intList(VectorSchemaRoot root, String col, int row) {
        ListVector l = (ListVector) root.getVector(col);
        IntVector d = (IntVector) l.getDataVector();
        int a = l.getElementStartIndex(row), b = l.getElementEndIndex(row);
        int[] v = new int[b - a];
        for (int k = a; k < b; k++) v[k - a] = d.get(k);
        return v;
    }
}
