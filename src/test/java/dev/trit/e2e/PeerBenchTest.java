package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * trit bench --peer and trit ppl --peer against fake peers: shell scripts that print what llama.cpp's
 * llama-bench and llama-perplexity printed (captured from the build of scripts/build-llama-cpp.sh, in
 * src/test/resources/peer/), so no llama.cpp is needed. The fake llama-bench refuses files whose
 * architecture is bitnet-b1.58 with llama-bench's message, as llama.cpp does.
 */
class PeerBenchTest {
    static final Path TQ2 = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");

    @TempDir
    Path tmp;

    static Path resource(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = PeerBenchTest.class.getResourceAsStream("/peer/" + name)) {
            assertNotNull(in, name);
            Files.copy(in, p);
        }
        return p;
    }

    /** A fake tool: logs its arguments, refuses bitnet-b1.58 files, prints the captured stdout (and stderr). */
    static Path fakeTool(Path dir, String name, Path stdout, Path stderr, Path log) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve(name);
        Files.writeString(p, """
                #!/bin/sh
                echo "$@" >> '%s'
                m=""; prev=""
                for a in "$@"; do [ "$prev" = "-m" ] && m="$a"; prev="$a"; done
                if head -c 65536 "$m" | grep -aq 'bitnet-b1\\.58'; then
                  echo "llama_bench: error: failed to load model '$m'" >&2
                  exit 1
                fi
                %s
                cat '%s'
                """.formatted(log, stderr == null ? "" : "cat '" + stderr + "' >&2", stdout));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** A build dir whose bin/llama-bench is a {@link #fakeTool} printing json and logging to log. */
    private Path fakeLlamaBenchBuild(Path json, Path log) throws IOException {
        Path build = tmp.resolve("build");
        fakeTool(build.resolve("bin"), "llama-bench", json, null, log);
        return build;
    }

    /** The fixture as a bitnet-b1.58 file (the 2B4T-style name trit writes), which llama.cpp knows as bitnet. */
    private Path b158Copy() throws IOException {
        Path b158 = tmp.resolve("mini-b158.gguf");
        try (GgufFile f = GgufFile.open(TQ2)) {
            GgufWriter.withArchitecture(f, "bitnet-b1.58").write(b158);
        }
        return b158;
    }

    @Test
    void benchesBesideAFakeLlamaBenchAndRenamesTheArchitectureForIt() throws IOException {
        Path json = resource(tmp, "llama-bench-mini-bitnet-tq2_0.json");
        Path log = tmp.resolve("args.log");
        Path build = fakeLlamaBenchBuild(json, log);
        Path b158 = b158Copy();
        Cli c = Cli.run("bench", b158.toString(), "--peer", build.toString(), "--prompt", "16", "--gen", "4", "--repeat", "2",
                "--threads", "2", "--bandwidth-mib", "0", "--json");
        assertEquals(0, c.exitCode(), c::toString);
        assertTrue(c.err().contains("(architecture 'bitnet-b1.58', which llama.cpp calls 'bitnet'); running it on a copy renamed to 'bitnet'"), c::toString);
        JsonNode m = new ObjectMapper().readTree(c.out()).get("models").get(0);
        assertEquals(2, m.get("rounds").size());
        JsonNode p = m.get("peers").get(0);
        assertEquals(build.toString(), p.get("peer").asText());
        assertTrue(p.get("renamed_architecture").asBoolean());
        assertTrue(p.get("file").asText().endsWith("mini-b158.bitnet.gguf"), p::toString);
        assertFalse(Files.exists(Path.of(p.get("file").asText())), "the renamed copy is deleted after the run");
        assertEquals(2, p.get("rounds").size());
        JsonNode captured = new ObjectMapper().readTree(json.toFile());
        assertEquals(captured.get(0).get("avg_ts").asDouble(), p.get("prefill_tok_s").asDouble(), 1e-9);
        assertEquals(captured.get(1).get("avg_ts").asDouble(), p.get("decode_tok_s").asDouble(), 1e-9);
        assertEquals(captured.get(0).get("build_commit").asText(), p.get("build_commit").asText());
        for (String phase : List.of("prefill", "decode")) {
            double lo = Double.MAX_VALUE, hi = 0;
            for (JsonNode r : m.get("rounds")) {
                double ratio = r.get(phase + "_tok_s").asDouble() / p.get(phase + "_tok_s").asDouble();
                lo = Math.min(lo, ratio);
                hi = Math.max(hi, ratio);
            }
            assertEquals(lo, p.get(phase + "_trit_over_peer_min").asDouble(), 1e-12);
            assertEquals(hi, p.get(phase + "_trit_over_peer_max").asDouble(), 1e-12);
        }
        // one warm-up and up to 2 more while trit's JIT was busy (a fresh JVM on the mini model: some), the peer's
        // as many; each trit round says how long the JIT compiled in it
        int warm = m.get("warmup_rounds").asInt();
        assertTrue(warm >= 1 && warm <= 3, m::toString);
        for (JsonNode r : m.get("rounds")) {
            assertTrue(r.get("jit_compile_ms").asLong() >= 0, m::toString);
            assertTrue(r.get("decode_allocated_bytes_per_token").asLong() > 0, m::toString);
            assertTrue(r.get("prefill_allocated_bytes_per_token").asLong() > 0, m::toString);
        }
        assertTrue(m.get("warnings").isArray(), m::toString);
        // the warm-ups and 2 rounds: the first try on the original file, then the runs on the renamed copy
        List<String> runs = Files.readAllLines(log);
        assertEquals(1 + warm + 2, runs.size(), runs::toString);
        assertTrue(runs.get(0).startsWith("-m " + b158 + " -p 16 -n 4 -r 1 -t 2 -o json"), runs.get(0));
        for (String r : runs.subList(1, runs.size())) assertTrue(r.contains(".bitnet.gguf -p 16 -n 4 -r 1 -t 2 -o json"), r);
        int logged = runs.size();

        // the table: trit's and the peer's ranges and the ratios; exactly two warm-up rounds (--extra-warmup 0), the peer's too
        Cli t = Cli.run("bench", TQ2.toString(), "--peer", build.resolve("bin/llama-bench").toString(), "--prompt", "16", "--gen", "4",
                "--repeat", "1", "--warmup", "2", "--extra-warmup", "0", "--threads", "1", "--bandwidth-mib", "0");
        assertEquals(0, t.exitCode(), t::toString);
        assertTrue(t.out().contains("beside the peers (interleaved, 1 measured rounds each after 2 warm-up round(s)"), t::toString);
        assertEquals(logged + 3, Files.readAllLines(log).size(), "two warm-up runs of the peer and one measured");
        assertTrue(t.out().lines().anyMatch(l -> l.contains("peer 1 " + captured.get(0).get("build_commit").asText())
                && l.contains(String.format(java.util.Locale.ROOT, "%.1f", captured.get(0).get("avg_ts").asDouble()))), t::toString);
        assertFalse(t.err().contains("renamed"), "a bitnet file runs as it is");

        // --depth: trit's rounds start from that context, and the peers get llama-bench's -d
        Cli d = Cli.run("bench", TQ2.toString(), "--peer", build.toString(), "--prompt", "8", "--gen", "2", "--depth", "6",
                "--repeat", "1", "--extra-warmup", "0", "--threads", "1", "--bandwidth-mib", "0", "--json");
        assertEquals(0, d.exitCode(), d::toString);
        assertEquals(6, new ObjectMapper().readTree(d.out()).get("depth_tokens").asInt());
        List<String> withDepth = Files.readAllLines(log);
        assertEquals(logged + 3 + 2, withDepth.size());
        for (String r : withDepth.subList(logged + 3, logged + 5)) assertTrue(r.endsWith("-p 8 -n 2 -r 1 -t 1 -o json -d 6"), r);
    }

    @Test
    void severalModelsBesideAPeerRunInAJvmEachWithThePeer() throws IOException {
        Path json = resource(tmp, "llama-bench-mini-bitnet-tq2_0.json");
        Path log = tmp.resolve("args.log");
        Path build = fakeLlamaBenchBuild(json, log);
        Path b158 = b158Copy();
        Cli c = Cli.run("bench", TQ2.toString(), b158.toString(), "--peer", build.toString(), "--prompt", "8", "--gen", "2", "--repeat", "2",
                "--extra-warmup", "0", "--threads", "1", "--bandwidth-mib", "0", "--json");
        assertEquals(0, c.exitCode(), c::toString);
        JsonNode models = new ObjectMapper().readTree(c.out()).get("models");
        assertEquals(2, models.size());
        for (JsonNode m : models) {
            assertEquals(1, m.get("warmup_rounds").asInt(), "--extra-warmup 0 reaches the child JVMs: " + m);
            assertEquals(2, m.get("peers").get(0).get("rounds").size(), m::toString);
            assertEquals(2, m.get("rounds").size(), m::toString);
        }
        assertFalse(models.get(0).get("peers").get(0).get("renamed_architecture").asBoolean());
        assertTrue(models.get(1).get("peers").get(0).get("renamed_architecture").asBoolean());
        // per model a warm-up and 2 measured runs; the bitnet-b1.58 file's first try is refused
        List<String> runs = Files.readAllLines(log);
        assertEquals(3 + 4, runs.size(), runs::toString);
        assertEquals(3, runs.stream().filter(r -> r.startsWith("-m " + TQ2 + " ")).count(), runs::toString);
    }

    @Test
    void aFailingPeerIsOneLineWithItsStderrAndExitOne() throws IOException {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Path p = dir.resolve("llama-bench");
        Files.writeString(p, "#!/bin/sh\necho 'some progress' >&2\necho 'GGML_ASSERT(x) failed' >&2\nkill -SEGV $$\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        Cli c = Cli.run("bench", TQ2.toString(), "--peer", p.toString(), "--prompt", "8", "--gen", "2", "--repeat", "1", "--bandwidth-mib", "0");
        assertEquals(1, c.exitCode(), c::toString);
        List<String> errLines = c.err().lines().filter(l -> l.contains("peer")).toList();
        assertEquals(1, errLines.size(), c::toString);
        assertTrue(errLines.get(0).contains(p.toString()) && errLines.get(0).contains("GGML_ASSERT(x) failed")
                && errLines.get(0).contains("signal 11"), c::toString);

        // the -d hint is for a peer that refuses -d, not for any failure at a depth
        Cli crashDeep = Cli.run("bench", TQ2.toString(), "--peer", p.toString(), "--depth", "4", "--prompt", "8", "--gen", "2", "--repeat", "1",
                "--bandwidth-mib", "0");
        assertEquals(1, crashDeep.exitCode(), crashDeep::toString);
        assertTrue(crashDeep.err().contains("signal 11") && !crashDeep.err().contains("builds before 2025"), crashDeep::toString);

        // a llama-bench without -d (bitnet.cpp's 2024 fork prints "error: invalid parameter for argument: -d")
        Path noDepth = tmp.resolve("nodepth").resolve("llama-bench");
        Files.createDirectories(noDepth.getParent());
        Files.writeString(noDepth, "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -d ] && { echo 'error: invalid parameter for argument: -d' >&2; exit 1; }; done\nexit 3\n");
        Files.setPosixFilePermissions(noDepth, PosixFilePermissions.fromString("rwxr-xr-x"));
        Cli deep = Cli.run("bench", TQ2.toString(), "--peer", noDepth.toString(), "--depth", "4", "--prompt", "8", "--gen", "2", "--repeat", "1",
                "--bandwidth-mib", "0");
        assertEquals(1, deep.exitCode(), deep::toString);
        assertTrue(deep.err().contains("invalid parameter for argument: -d (--depth runs the peer with llama-bench's -d, which builds before 2025 lack)"),
                deep::toString);

        Cli noWarmup = Cli.run("bench", TQ2.toString(), "--warmup", "0");
        assertEquals(2, noWarmup.exitCode(), noWarmup::toString);
        assertTrue(noWarmup.err().contains("--warmup must be at least 1"), noWarmup::toString);
        Cli negativeExtra = Cli.run("bench", TQ2.toString(), "--extra-warmup", "-1");
        assertEquals(2, negativeExtra.exitCode(), negativeExtra::toString);
        assertTrue(negativeExtra.err().contains("--extra-warmup must not be negative"), negativeExtra::toString);

        Cli missing = Cli.run("bench", TQ2.toString(), "--peer", tmp.resolve("nothing").toString());
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("no executable llama-bench"), missing::toString);
    }

    @Test
    void pplBesideAFakeLlamaPerplexity() throws IOException {
        Path outText = resource(tmp, "llama-perplexity-mini-bitnet-tq2_0.stdout.txt");
        Path errText = resource(tmp, "llama-perplexity-mini-bitnet-tq2_0.stderr.txt");
        Path log = tmp.resolve("args.log");
        Path bin = tmp.resolve("bin");
        fakeTool(bin, "llama-perplexity", outText, errText, log);
        Path text = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");
        Cli c = Cli.run("ppl", TQ2.toString(), text.toString(), "--protocol", "llama-cpp", "--ctx", "128", "--max-windows", "3",
                "--threads", "2", "--peer", bin.toString(), "--json");
        assertEquals(0, c.exitCode(), c::toString);
        assertEquals("-m " + TQ2 + " -f " + text + " -c 128 -b 128 -t 2 --chunks 3 -lv 4", Files.readString(log).strip());
        JsonNode o = new ObjectMapper().readTree(c.out());
        JsonNode p = o.get("peers").get(0);
        assertEquals(3, p.get("chunks").asInt());
        assertEquals(128, p.get("ctx").asInt());
        assertTrue(p.get("perplexity").asDouble() > 1);
        assertTrue(p.get("tokens_per_second").asDouble() > 0);
        assertEquals(o.get("tokens_per_second").asDouble() / p.get("tokens_per_second").asDouble(),
                p.get("trit_over_peer_tokens_per_second").asDouble(), 1e-9);
        assertEquals(3 * 128 / o.get("seconds").asDouble(), o.get("tokens_per_second").asDouble(), 1e-6);

        Cli t = Cli.run("ppl", TQ2.toString(), text.toString(), "--protocol", "llama-cpp", "--ctx", "128", "--max-windows", "3",
                "--peer", bin.toString());
        assertEquals(0, t.exitCode(), t::toString);
        assertTrue(t.out().contains("trit/peer tok/s"), t::toString);
    }
}
