package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GgufWriter.withArchitecture: the same file under another architecture name (for peers that call the graph otherwise). */
class GgufArchRenameTest {
    @TempDir
    Path tmp;

    @Test
    void renamesTheArchitectureKeysAndKeepsEveryTensorByte() throws IOException {
        Path in = Fixtures.bundled("gguf/mini-bitnet-tq2_0.gguf");
        Path renamed = tmp.resolve("renamed.gguf"), back = tmp.resolve("back.gguf");
        String old;
        try (GgufFile f = GgufFile.open(in)) {
            old = f.architecture();
            assertEquals("bitnet", old);
            GgufWriter.withArchitecture(f, "bitnet-b1.58").write(renamed);
        }
        try (GgufFile f = GgufFile.open(in); GgufFile r = GgufFile.open(renamed)) {
            assertEquals("bitnet-b1.58", r.architecture());
            List<String> expectKeys = new ArrayList<>();
            for (String k : f.metadata().keySet()) expectKeys.add(k.startsWith("bitnet.") ? "bitnet-b1.58." + k.substring(7) : k);
            assertEquals(expectKeys, new ArrayList<>(r.metadata().keySet()), "same keys in the same order, arch prefix renamed");
            assertTrue(f.metadata().keySet().stream().filter(k -> k.startsWith("bitnet.")).count() >= 5);
            assertFalse(r.metadata().keySet().stream().anyMatch(k -> k.startsWith("bitnet.")));
            f.metadata().forEach((k, v) -> {
                if (!k.equals("general.architecture")) {
                    assertEquals(v, r.metadata().get(k.startsWith("bitnet.") ? "bitnet-b1.58." + k.substring(7) : k), k);
                }
            });
            assertEquals(f.ggufTensors().size(), r.ggufTensors().size());
            for (GgufTensor t : f.ggufTensors()) {
                GgufTensor u = r.ggufTensor(t.name()).orElseThrow();
                assertEquals(t.type(), u.type(), t.name());
                assertArrayEquals(t.info().shape(), u.info().shape(), t.name());
                assertEquals(-1L, f.data(t.info()).mismatch(r.data(u.info())), t.name() + ": same bytes");
            }
            // and back: the original file, byte for byte
            GgufWriter.withArchitecture(r, old).write(back);
        }
        assertEquals(-1L, Files.mismatch(in, back), "first differing byte");
    }

    @Test
    void refusesNamesThatCannotBeAnArchitecture() throws IOException {
        try (GgufFile f = GgufFile.open(Fixtures.bundled("gguf/mini-llama-q8_0.gguf"))) {
            assertThrows(IllegalArgumentException.class, () -> GgufWriter.withArchitecture(f, ""));
            assertThrows(IllegalArgumentException.class, () -> GgufWriter.withArchitecture(f, " "));
        }
    }
}
