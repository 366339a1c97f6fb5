package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.ShardedSafetensors;
import dev.trit.formats.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversions stream: a model several times larger than the heap converts in a child JVM with a small
 * -Xmx. The always-run case uses a ~330 MB model and -Xmx64m; the several-GB case (2.6 GB of bf16) runs only when
 * TRIT_BIG_TEST=1 (or -Dtrit.bigTest=true), with -Xmx256m, as it writes ~10 GB.
 */
class StreamingTest {
    @TempDir
    Path tmp;

    static int runChild(String xmx, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), xmx,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), ConvertMain.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.MINUTES));
        System.out.println(out);
        assertFalse(out.contains("OutOfMemoryError"), out);
        return p.exitValue();
    }

    @Test
    void convertsAModelFiveTimesTheHeap() throws Exception {
        Path src = SyntheticCheckpoint.write(tmp.resolve("synthetic"), 1024, 9, 150_000_000L);
        long size;
        try (TensorFile f = ShardedSafetensors.openModelDir(src)) {
            size = f.totalTensorBytes();
            assertTrue(f instanceof ShardedSafetensors, "several shards");
        }
        assertTrue(size > 300_000_000L, "model of " + size + " bytes");
        Path gguf = tmp.resolve("synthetic.tq2_0.gguf");
        assertEquals(0, runChild("-Xmx64m", src.toString(), gguf.toString(), "tq2_0"));
        try (GgufFile g = GgufFile.open(gguf)) {
            assertEquals(GgmlType.TQ2_0, g.find("blk.7.ffn_up.weight").orElseThrow().type());
        }
        Path back = tmp.resolve("synthetic-packed");
        assertEquals(0, runChild("-Xmx64m", gguf.toString(), back.toString(), "packed"));
        assertTrue(Files.isRegularFile(back.resolve("config.json")));
        // nothing but the outputs is left behind (no temporary files)
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("synthetic", "synthetic-packed", "synthetic.tq2_0.gguf"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** A conversion stopped half-way (SIGTERM) leaves no partial output and no temporary files. */
    @Test
    void stoppedConversionLeavesNothing() throws Exception {
        Path src = SyntheticCheckpoint.write(tmp.resolve("synthetic"), 1024, 9, 2_000_000_000L);
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Path dst = out.resolve("stopped.tq2_0.gguf");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), ConvertMain.class.getName(), src.toString(), dst.toString(), "tq2_0");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && System.nanoTime() < deadline) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) break; // the work directory exists: writing has begun
            }
            Thread.sleep(5);
        }
        p.destroy(); // SIGTERM: shutdown hooks run
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        try (Stream<Path> s = Files.list(out)) {
            List<String> left = s.map(q -> q.getFileName().toString()).toList();
            if (left.isEmpty()) return; // stopped in time: nothing left
            // it finished before the signal: then the output is complete
            assertEquals(List.of("stopped.tq2_0.gguf"), left);
            try (GgufFile g = GgufFile.open(dst)) {
                assertEquals(GgmlType.TQ2_0, g.find("blk.8.ffn_up.weight").orElseThrow().type());
            }
        }
    }

    @Test
    void severalGigabytesWithASmallHeap() throws Exception {
        assumeTrue("1".equals(System.getenv("TRIT_BIG_TEST")) || Boolean.getBoolean("trit.bigTest"), "set TRIT_BIG_TEST=1 to run");
        Path src = SyntheticCheckpoint.write(tmp.resolve("big"), 2560, 12, 2_000_000_000L);
        assertEquals(0, runChild("-Xmx256m", src.toString(), tmp.resolve("big.i2_s.gguf").toString(), "i2_s"));
        assertEquals(0, runChild("-Xmx256m", tmp.resolve("big.i2_s.gguf").toString(), tmp.resolve("big-packed").toString(), "packed"));
    }
}
