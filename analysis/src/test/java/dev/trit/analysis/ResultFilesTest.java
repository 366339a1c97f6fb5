package dev.trit.analysis;

import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ResultFilesTest {
    static final ResultTable TABLE = new ResultTable(List.of(
            ResultRow.of("demo", "tq2_0", "wikitext-2-test", "", Metrics.PERPLEXITY, 70.5),
            ResultRow.of("démo ✓", "f16", "weights", "model.layers.0.q_proj.weight", Metrics.SHARE_ZERO, 0.33),
            ResultRow.of("demo", "f16", "weights", "", Metrics.SCALE, Double.NaN)));

    @Test
    void arrowRoundTripAndFileStructure(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.arrow");
        ResultFiles.writeArrow(TABLE, f);
        byte[] b = Files.readAllBytes(f);
        // Arrow IPC file format (arrow.apache.org/docs/format/Columnar.html#ipc-file-format): "ARROW1",
        // padding to 8, the stream, the footer flatbuffer, its int32 length, then "ARROW1" again. This is
        // what pyarrow.ipc.open_file / pandas.read_feather check before reading the footer.
        assertArrayEquals("ARROW1".getBytes(StandardCharsets.US_ASCII), Arrays.copyOfRange(b, 0, 6));
        assertArrayEquals("ARROW1".getBytes(StandardCharsets.US_ASCII), Arrays.copyOfRange(b, b.length - 6, b.length));
        int footer = ByteBuffer.wrap(b, b.length - 10, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertTrue(footer > 0 && footer < b.length - 18, "footer length " + footer);
        ResultTable back = ResultFiles.read(f);
        assertEquals(TABLE.rows().size(), back.rows().size());
        for (int i = 0; i < 2; i++) assertEquals(TABLE.rows().get(i), back.rows().get(i));
        assertTrue(Double.isNaN(back.rows().get(2).value()));
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }

    @Test
    void jsonRoundTrip(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.json");
        ResultFiles.writeJson(TABLE, f);
        assertTrue(Files.readString(f).contains("\"schema\" : \"trit.results/1\""));
        ResultTable back = ResultFiles.read(f);
        assertEquals(TABLE.rows().get(0), back.rows().get(0));
        assertEquals(TABLE.rows().get(1), back.rows().get(1));
        assertTrue(Double.isNaN(back.rows().get(2).value()));
    }

    @Test
    void badFilesGiveOneLineErrors(@TempDir Path dir) throws Exception {
        assertThrows(FormatException.class, () -> ResultFiles.read(dir.resolve("missing.json")));
        Path junk = Files.writeString(dir.resolve("junk.json"), "{not json");
        FormatException e = assertThrows(FormatException.class, () -> ResultFiles.read(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        Path noSchema = Files.writeString(dir.resolve("ns.json"), "{\"rows\": []}");
        assertThrows(FormatException.class, () -> ResultFiles.read(noSchema));
        Path badRow = Files.writeString(dir.resolve("br.json"), "{\"schema\":\"trit.results/1\",\"rows\":[{\"model\":\"m\"}]}");
        assertTrue(assertThrows(FormatException.class, () -> ResultFiles.read(badRow)).getMessage().contains("row 0"));
        Path badValue = Files.writeString(dir.resolve("bv.json"), "{\"schema\":\"trit.results/1\",\"rows\":[{\"model\":\"m\",\"variant\":\"\",\"task\":\"\",\"scope\":\"\",\"metric\":\"acc\",\"unit\":\"fraction\",\"value\":\"high\"}]}");
        assertThrows(FormatException.class, () -> ResultFiles.read(badValue));
        // A truncated Arrow file.
        Path good = dir.resolve("g.arrow");
        ResultFiles.writeArrow(TABLE, good);
        byte[] b = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.arrow"), Arrays.copyOf(b, b.length / 2));
        FormatException ce = assertThrows(FormatException.class, () -> ResultFiles.read(cut));
        assertFalse(ce.getMessage().contains("\n"));
    }
}
