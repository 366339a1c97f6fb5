package dev.trit.e2e;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * trit eval / trit merge on a small plan (two demo models, a built Q8_0 variant, 4 WikiText-2 windows of
 * 128 with KLD against the FP16 baseline, 4 HellaSwag items): an uninterrupted run, three shards merged,
 * and a run killed (kill -9) in a child JVM then resumed all give bit-identical result tables.
 */
class EvalPlanTest {
    @TempDir
    static Path dir;
    static Path plan;
    static List<ResultRow> single;

    static final String PLAN = """
            models:
              - path: %s
                name: demo-llama
                variant: hf-f16
                variants: [quant:q8_0]
              - path: %s
                name: demo-bitnet
                variant: hf-packed
            baseline: demo-llama/hf-f16
            tasks:
              - ppl: wikitext-2-test
                text: %s
                ctx: 128
                max-windows: 4
                top-k: 16
              - mc: hellaswag
                data: %s
                limit: 4
            """;

    @BeforeAll
    static void singleRun() throws IOException {
        plan = dir.resolve("plan.yaml");
        Files.writeString(plan, PLAN.formatted(Cli.FIXTURES.resolve("hf/demo-llama-f16"), Cli.FIXTURES.resolve("hf/demo-bitnet-packed"),
                Cli.FIXTURES.resolve("data/wikitext-2/test.txt"), Cli.FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt")));
        Path out = dir.resolve("single");
        Cli c = Cli.run("eval", plan.toString(), "--out", out.toString(), "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        single = ResultFiles.read(out.resolve("results.arrow")).rows();
        assertTrue(c.out().contains("demo-llama / gguf-q8_0"), c::toString);
        assertTrue(c.err().contains("items/s") && c.err().contains("tok/s") && c.err().contains("overall"), c::toString);
        // a row per measurement, and one per unit (its item count)
        assertTrue(single.stream().anyMatch(r -> r.variant().equals("gguf-q8_0") && r.task().equals("wikitext-2-test") && r.metric().equals("kld_mean")));
        assertTrue(single.stream().anyMatch(r -> r.model().equals("demo-bitnet") && r.task().equals("hellaswag") && r.metric().equals("acc")));
        assertEquals(3 * 3, single.stream().filter(r -> r.scope().equals("unit")).count());
    }

    @Test
    void threeShardsMergedEqualOneRun() throws IOException {
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path out = dir.resolve("shard" + i);
            Cli c = Cli.run("eval", plan.toString(), "--out", out.toString(), "--shard", i + "/3", "--threads", "2");
            assertEquals(0, c.exitCode(), c::toString);
            assertFalse(Files.exists(out.resolve("results.arrow")));
            dirs.add(out.toString());
        }
        Path merged = dir.resolve("merged");
        Cli missing = Cli.run("merge", dirs.get(0), dirs.get(2), "--out", merged.toString());
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("shard 1/3 is missing"), missing::toString);
        List<String> args = new ArrayList<>(List.of("merge"));
        args.addAll(dirs);
        args.addAll(List.of("--out", merged.toString()));
        Cli m = Cli.run(args.toArray(String[]::new));
        assertEquals(0, m.exitCode(), m::toString);
        assertEquals(single, ResultFiles.read(merged.resolve("results.arrow")).rows());
        assertEquals(single, ResultFiles.read(merged.resolve("results.json")).rows());

        // trit gate and trit report read the table
        Path rules = dir.resolve("rules.txt");
        Files.writeString(rules, "perplexity: rise <= 0%\nkld_mean: <= 1\nacc: drop <= 0 points\n");
        Cli g = Cli.run("gate", "--baseline", dir.resolve("single/results.arrow").toString(), "--current", merged.resolve("results.arrow").toString(),
                "--rules", rules.toString());
        assertEquals(0, g.exitCode(), g::toString);
        Cli r = Cli.run("report", merged.resolve("results.arrow").toString(), "--out", dir.resolve("report").toString());
        assertEquals(0, r.exitCode(), r::toString);
    }

    @Test
    void aRunKilledAtARandomPointResumesToTheSameNumbers() throws Exception {
        Path out = dir.resolve("killed");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> !a.startsWith("-agentlib")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Dtrit.root=" + Cli.ROOT, "dev.trit.cli.Main",
                "eval", plan.toString(), "--out", out.toString(), "--threads", "2"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        int minRecords = 1 + random.nextInt(12);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try {
            while (journalBytes(out) < minRecords * 60L && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            Thread.sleep(random.nextInt(300));
            assertTrue(p.isAlive(), () -> "the child finished before it could be killed (seed " + seed + "): " + log());

            // while it runs, a second run on the same folder is refused
            Cli second = Cli.run("eval", plan.toString(), "--out", out.toString(), "--resume", "--threads", "2");
            assertEquals(1, second.exitCode(), second::toString);
            assertTrue(second.err().contains("is being written by another trit eval"), second::toString);
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(out.resolve("results.json")), "killed before the end");

        Cli again = Cli.run("eval", plan.toString(), "--out", out.toString(), "--threads", "2");
        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.err().contains("--resume"), again::toString);

        Cli resumed = Cli.run("eval", plan.toString(), "--out", out.toString(), "--resume", "--threads", "2");
        assertEquals(0, resumed.exitCode(), resumed::toString);
        assertEquals(single, ResultFiles.read(out.resolve("results.arrow")).rows(), () -> "seed " + seed + ", killed after " + minRecords + " records");
    }

    @Test
    void aFolderInUseIsRefused() throws IOException {
        Path out = dir.resolve("locked");
        Files.createDirectories(out);
        try (FileChannel ch = FileChannel.open(out.resolve("eval.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = ch.lock()) {
            Cli c = Cli.run("eval", plan.toString(), "--out", out.toString());
            assertEquals(1, c.exitCode(), c::toString);
            assertTrue(c.err().contains("eval.lock"), c::toString);
        }
    }

    static long journalBytes(Path out) throws IOException {
        Path units = out.resolve("units");
        if (!Files.isDirectory(units)) return 0;
        long n = 0;
        try (Stream<Path> s = Files.list(units)) {
            for (Path f : s.filter(f -> f.toString().endsWith(".journal")).toList()) n += Files.size(f);
        }
        return n;
    }

    private static String log() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
