package dev.trit.e2e;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutated model files through the whole CLI: every run must end in success or in exit code 1 with a
 * single line naming the file; never a stack trace, an unexpected exception type or a hang.
 */
class InspectFuzzTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"gguf/mini-bitnet-tq2_0.gguf", "hf/demo-bitnet-packed/model.safetensors", "vocab/ggml-vocab-gpt-2.gguf"})
    void mutatedFilesFailCleanly(String rel) throws Exception {
        byte[] original = Files.readAllBytes(Cli.FIXTURES.resolve(rel));
        String ext = rel.endsWith(".gguf") ? ".gguf" : ".safetensors";
        Random rnd = new Random(rel.hashCode());
        // Mutations concentrate on the header, where a reader's decisions are made.
        int headerSpan = (int) Math.min(original.length, 64 * 1024);
        int failures = 0;
        for (int i = 0; i < 400; i++) {
            byte[] b;
            switch (i % 4) {
                case 0 -> { // truncation
                    b = Arrays.copyOf(original, rnd.nextInt(Math.min(original.length, headerSpan * 2)));
                }
                case 1 -> { // random byte flips in the header
                    b = original.clone();
                    for (int k = 1 + rnd.nextInt(4); k > 0; k--) b[rnd.nextInt(headerSpan)] ^= (byte) (1 << rnd.nextInt(8));
                }
                case 2 -> { // an 8-byte field overwritten with an extreme value
                    b = original.clone();
                    int at = rnd.nextInt(Math.min(headerSpan, 4096) - 8);
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> Long.MAX_VALUE;
                        case 1 -> -1L;
                        case 2 -> 1L << 40;
                        default -> rnd.nextLong();
                    };
                    for (int k = 0; k < 8; k++) b[at + k] = (byte) (v >>> (8 * k));
                }
                default -> { // random bytes spliced in
                    b = original.clone();
                    int at = rnd.nextInt(headerSpan - 16);
                    for (int k = 0; k < 16; k++) b[at + k] = (byte) rnd.nextInt(256);
                }
            }
            Path f = tmp.resolve("m" + i + ext);
            Files.write(f, b);
            Cli r = Cli.run("inspect", "--json", f.toString());
            if (r.exitCode() == 0) continue;
            failures++;
            assertEquals(1, r.exitCode(), r::toString);
            String err = r.err().strip();
            assertEquals(1, err.lines().count(), r::toString);
            assertTrue(err.startsWith("trit: ") && err.contains(f.getFileName().toString()), r::toString);
            assertFalse(err.contains("Exception"), r::toString);
            Files.delete(f);
        }
        assertTrue(failures > 100, "the mutations should break most files, broke " + failures);
    }
}
