package dev.trit.analysis;

import dev.trit.engine.eval.LogitsDump;
import dev.trit.engine.eval.TopLogprobs;
import dev.trit.formats.FormatException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LogitsArrowFileTest {
    static LogitsDump sample(int rows) {
        List<LogitsDump.Row> r = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int k = 1 + i % 3;
            int[] ids = new int[k];
            float[] lps = new float[k];
            for (int j = 0; j < k; j++) {
                ids[j] = (i * 7 + j) % 50;
                lps[j] = -0.5f * (j + 1) - i * 1e-3f;
            }
            r.add(new LogitsDump.Row(i / 10, i, new TopLogprobs(i % 50, -1.25f - i, ids, lps, i % 4 == 0 ? Float.NEGATIVE_INFINITY : -3.5f)));
        }
        return new LogitsDump(50, 3, Map.of("model", "m.gguf", "ctx", "256"), r);
    }

    @Test
    void roundTripAcrossBatches(@TempDir Path dir) throws IOException {
        LogitsDump d = sample(20000); // more than one record batch
        Path f = dir.resolve("base.arrow");
        LogitsArrowFile.write(f, d);
        LogitsDump back = LogitsArrowFile.read(f);
        assertEquals(d, back);
        assertEquals(Map.of("model", "m.gguf", "ctx", "256"), back.metadata());
        try (var only = Files.list(dir)) {
            assertEquals(List.of(f), only.toList()); // no temporary file left behind
        }
    }

    @Test
    void isAPlainArrowIpcFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("base.arrow");
        LogitsArrowFile.write(f, sample(5));
        byte[] bytes = Files.readAllBytes(f);
        assertEquals("ARROW1", new String(bytes, 0, 6, StandardCharsets.US_ASCII));
        // A generic reader sees the documented columns and values.
        try (var alloc = new RootAllocator(); var ch = FileChannel.open(f); var reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertTrue(reader.loadNextBatch());
            assertEquals(List.of("window", "position", "token", "token_logprob", "top_ids", "top_logprobs", "rest_logprob"),
                    root.getSchema().getFields().stream().map(x -> x.getName()).toList());
            assertEquals(5, root.getRowCount());
            assertEquals(List.of(14, 15, 16), root.getVector("top_ids").getObject(2));
            assertEquals(-3.25f, (Float) root.getVector("token_logprob").getObject(2));
        }
    }

    @Test
    void badFilesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.arrow");
        Files.write(f, "not arrow at all".getBytes(StandardCharsets.US_ASCII));
        assertThrows(FormatException.class, () -> LogitsArrowFile.read(f));
        LogitsArrowFile.write(f, sample(100));
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> LogitsArrowFile.read(f));
        assertFalse(e.getMessage().contains("\n"));
        assertThrows(FormatException.class, () -> LogitsArrowFile.read(dir.resolve("missing.arrow")));
        Files.write(f, new byte[0]);
        assertThrows(FormatException.class, () -> LogitsArrowFile.read(f));
    }

    @Test
    void otherArrowFilesAreRefused(@TempDir Path dir) throws IOException {
        // An Arrow file with the right columns but no trit.kind (e.g. a per-token NLL file) is not a base.
        Path f = dir.resolve("other.arrow");
        try (var alloc = new RootAllocator();
             var root = VectorSchemaRoot.create(LogitsArrowFile.schema(Map.of()), alloc);
             var ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var w = new org.apache.arrow.vector.ipc.ArrowFileWriter(root, null, ch)) {
            w.start();
            w.end();
        }
        assertTrue(assertThrows(FormatException.class, () -> LogitsArrowFile.read(f)).getMessage().contains("trit.kind"));
    }
}
