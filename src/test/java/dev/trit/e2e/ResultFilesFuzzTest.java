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
            if (System.getProperty("trit.fuzz.trace") != null) { // keeps the last input (-Dtrit.fuzz.trace=FILE)
                Files.copy(m, Path.of(System.getProperty("trit.fuzz.trace")), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Cli r = Cli.run("kld", "--base", m.toString(), MODEL.toString(), TEXT.toString(), "--json");
            if (r.exitCode() != 0) failures++;
            assertClean(r, 1);
            if (r.exitCode() != 0) assertTrue(r.err().contains(m.getFileName().toString()), r::toString);
            Files.delete(m);
        }
        assertTrue(failures > ROUNDS / 5, "the mutations should break many files, broke " + failures);
    }

    /**
     * A footer whose first record batch claims a 512 GB body: Arrow allocated it before reading (the process
     * died, "Unable to allocate 549755814416 bytes"); now the batch is checked against the file's size first.
     */
    @Test
    void footerBodyLengthPastTheFileIsRefused() throws IOException {
        Path base = tmp.resolve("base.arrow");
        assertEquals(0, Cli.run("logits", MODEL.toString(), TEXT.toString(), "--out", base.toString(), "--max-windows", "1", "--ctx", "32",
                "--top-k", "8").exitCode());
        byte[] b = Files.readAllBytes(base);
        org.apache.arrow.vector.ipc.message.ArrowBlock block;
        try (var alloc = new org.apache.arrow.memory.RootAllocator(); var ch = java.nio.channels.FileChannel.open(base);
             var reader = new org.apache.arrow.vector.ipc.ArrowFileReader(ch, alloc)) {
            block = reader.getRecordBlocks().getFirst();
        }
        // the footer's Block struct: offset (int64), metadata length (int32, 4 bytes padding), body length (int64)
        java.nio.ByteBuffer want = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(block.getOffset()).putInt(block.getMetadataLength()).putInt(0).putLong(block.getBodyLength());
        int at = -1;
        for (int i = b.length - 24; i >= 0 && at < 0; i--) if (Arrays.equals(b, i, i + 24, want.array(), 0, 24)) at = i;
        assertTrue(at > 0, "footer block found");
        java.nio.ByteBuffer.wrap(b, at + 16, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1L << 39);
        Path bad = Files.write(tmp.resolve("bad.arrow"), b);
        Cli r = Cli.run("kld", "--base", bad.toString(), MODEL.toString(), TEXT.toString(), "--json");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("bad.arrow") && r.err().contains("corrupt Arrow footer"), r::toString);
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
