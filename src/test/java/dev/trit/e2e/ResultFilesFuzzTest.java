package dev.trit.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutated Arrow IPC files through the commands that read them: a {@code trit logits} baseline through
 * {@code kld} (top-k and full), analysis results through {@code gate} and {@code report}. Each run succeeds
 * or ends with one line naming the file (exit 1, or 2 where gate calls its input bad), never a stack trace.
 */
class ResultFilesFuzzTest {
    private static final int ROUNDS = Integer.getInteger("trit.fuzz.rounds", 60);
    private static final Path MODEL = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");
    private static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");

    @TempDir
    Path tmp;

    private static void assertClean(Cli r, int... codes) {
        if (r.exitCode() == 0) return;
        assertTrue(Arrays.stream(codes).anyMatch(c -> c == r.exitCode()), r::toString);
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), r::toString);
        assertTrue(err.startsWith("trit: "), r::toString);
        // the readers name the file and say what it is not, with the Arrow library's reason in parentheses; an
        // exception that reached the CLI unexpected starts the line with its class name instead
        assertFalse(err.matches("trit: [A-Za-z.]*(Exception|Error)\\b.*") || err.contains("\tat "), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"top-k", "full"})
    void mutatedBaselinesFailCleanly(String kind) throws IOException {
        Path base = tmp.resolve("base.arrow");
        Cli w = kind.equals("full")
                ? Cli.run("logits", MODEL.toString(), TEXT.toString(), "--out", base.toString(), "--max-windows", "1", "--ctx", "32")
                : Cli.run("logits", MODEL.toString(), TEXT.toString(), "--out", base.toString(), "--max-windows", "1", "--ctx", "32", "--top-k", "8");
        assertEquals(0, w.exitCode(), w::toString);
        byte[] original = Files.readAllBytes(base);
        Random rnd = new Random(kind.hashCode());
        int failures = 0;
        for (int i = 0; i < ROUNDS; i++) {
            Path m = tmp.resolve("m" + i + ".arrow");
            Files.write(m, Mutations.of(original, rnd, i, original.length));
            Cli r = Cli.run("kld", "--base", m.toString(), MODEL.toString(), TEXT.toString(), "--json");
            if (r.exitCode() != 0) failures++;
            assertClean(r, 1);
            if (r.exitCode() != 0) assertTrue(r.err().contains(m.getFileName().toString()), r::toString);
            Files.delete(m);
        }
        assertTrue(failures > ROUNDS / 5, "the mutations should break many files, broke " + failures);
    }

    @Test
    void mutatedResultsFailCleanly() throws IOException {
        Path dir = tmp.resolve("a");
        assertEquals(0, Cli.run("analyze", Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString(), "--no-compress", "--out", dir.toString()).exitCode());
        Path results = dir.resolve("demo-bitnet-packed.analysis.arrow");
        byte[] original = Files.readAllBytes(results);
        Path rules = Files.writeString(tmp.resolve("rules.txt"), "size_bytes: rise <= 0%\nshare_zero: rise <= 1%\n");
        Random rnd = new Random(3);
        for (int i = 0; i < ROUNDS; i++) {
            Path m = tmp.resolve("m" + i + ".arrow");
            Files.write(m, Mutations.of(original, rnd, i, original.length));
            // gate: 0 pass, 1 a regression (a mutated value), 2 bad input with one line naming it
            Cli g = Cli.run("gate", "--baseline", results.toString(), "--current", m.toString(), "--rules", rules.toString());
            if (g.exitCode() == 2) assertClean(g, 2);
            else assertTrue((g.exitCode() == 0 || g.exitCode() == 1) && !g.err().contains("\tat "), g::toString);
            Path out = tmp.resolve("rep" + i);
            Cli r = Cli.run("report", "--out", out.toString(), m.toString());
            assertClean(r, 1);
            if (r.exitCode() != 0) assertFalse(Files.exists(out), "a failed report leaves no directory\n" + r);
            Files.delete(m);
        }
    }
}
