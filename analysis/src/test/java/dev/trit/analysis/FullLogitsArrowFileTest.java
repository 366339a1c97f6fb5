package dev.trit.analysis;

import dev.trit.engine.eval.FullBaseWindow;
import dev.trit.engine.eval.FullLogprobs;
import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class FullLogitsArrowFileTest {
    static FullBaseWindow window(Random r, int index, int first, int rows, int vocab) {
        FullLogprobs[] f = new FullLogprobs[rows];
        for (int i = 0; i < rows; i++) {
            float[] l = new float[vocab];
            for (int j = 0; j < vocab; j++) l[j] = (float) (3 * r.nextGaussian());
            f[i] = FullLogprobs.of(l, r.nextInt(vocab));
        }
        return new FullBaseWindow(index, first, f);
    }

    @Test
    void roundTripsWindowByWindowWithMetadata(@TempDir Path dir) throws IOException {
        Random r = new Random(5);
        int vocab = 1000;
        FullBaseWindow a = window(r, 0, 129, 127, vocab), b = window(r, 1, 385, 127, vocab);
        Path f = dir.resolve("base.arrow");
        try (FullLogitsArrowFile.Writer w = new FullLogitsArrowFile.Writer(f, vocab, Map.of("protocol", "llama-cpp", "ctx", "256"))) {
            w.accept(a);
            w.accept(b);
            assertEquals(254, w.positions());
            w.commit();
        }
        assertEquals(FullLogitsArrowFile.KIND, FullLogitsArrowFile.kind(f));
        try (FullLogitsArrowFile.Reader rd = new FullLogitsArrowFile.Reader(f)) {
            assertEquals(vocab, rd.vocabSize());
            assertEquals(Map.of("protocol", "llama-cpp", "ctx", "256"), rd.metadata());
            for (FullBaseWindow want : new FullBaseWindow[]{a, b}) {
                FullBaseWindow got = rd.next();
                assertEquals(want.window(), got.window());
                assertEquals(want.firstPosition(), got.firstPosition());
                assertArrayEquals(want.rows(), got.rows());
            }
            assertNull(rd.next());
        }
        // 2 bytes per token and position, little else
        assertTrue(Files.size(f) < FullLogitsArrowFile.estimatedBytes(254, vocab) + 64 * 1024, "size " + Files.size(f));
    }

    @Test
    void anAbortedWriteLeavesNothingAndOtherFilesAreRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("base.arrow");
        try (FullLogitsArrowFile.Writer w = new FullLogitsArrowFile.Writer(f, 10, Map.of())) {
            w.accept(window(new Random(1), 0, 0, 3, 10));
        }
        assertFalse(Files.exists(f));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
        Path junk = dir.resolve("junk.arrow");
        Files.writeString(junk, "junk");
        FormatException e = assertThrows(FormatException.class, () -> FullLogitsArrowFile.kind(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        Path topK = dir.resolve("topk.arrow");
        LogitsArrowFile.write(topK, LogitsArrowFileTest.sample(3));
        assertEquals(LogitsArrowFile.KIND, FullLogitsArrowFile.kind(topK));
        assertThrows(FormatException.class, () -> new FullLogitsArrowFile.Reader(topK));
    }
}
