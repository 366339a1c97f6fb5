package dev.trit.cli;

import dev.trit.formats.OutputFiles;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Per-token negative log-likelihoods as an Arrow IPC file (columns {@code position} int32 and
 * {@code nll} float64, natural log), readable by pyarrow/pandas/polars/DuckDB.
 */
final class NllFile {
    private NllFile() {
    }

    static void write(Path target, double[] nll) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = OutputFiles.tempFileBeside(target);
        try (BufferAllocator alloc = new RootAllocator();
             IntVector pos = new IntVector("position", alloc);
             Float8Vector v = new Float8Vector("nll", alloc)) {
            pos.allocateNew(nll.length);
            v.allocateNew(nll.length);
            for (int i = 0; i < nll.length; i++) {
                pos.set(i, i);
                v.set(i, nll[i]);
            }
            pos.setValueCount(nll.length);
            v.setValueCount(nll.length);
            try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(pos.getField(), v.getField()), List.of(pos, v), nll.length);
                 FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
                w.start();
                w.writeBatch();
                w.end();
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
