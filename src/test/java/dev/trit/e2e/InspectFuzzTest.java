package dev.trit.e2e;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
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
            byte[] b = Mutations.of(original, rnd, i, headerSpan);
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
