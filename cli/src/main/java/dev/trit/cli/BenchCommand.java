package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.engine.KvCache;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.MemoryBandwidth;
import dev.trit.formats.family.ModelSpec;
import dev.trit.engine.Parallel;
import dev.trit.engine.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code trit bench}: prefill and decode speed of a model on random token ids, with the bandwidth
 * bound on decode (weight bytes read per token over the machine's measured streaming read rate).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Prefill and decode tokens/s of each MODEL (HF directory or .gguf) on random token ids.",
                "Prefill runs --prompt tokens in one batch, decode --gen tokens one at a time, each from a cache holding",
                "only --depth tokens of context (default 0), as llama-bench's pp and tg tests (and its -d).",
                "Each phase runs --repeat times after --warmup rounds (default 1; the JIT compiles the kernels in the first",
                "rounds: prefill's first measured round after one warm-up ran at half speed or less), and up to --extra-warmup",
                "more while the last one spent over 5%% of its time compiling (after each warm-up trit waits for the JIT to go",
                "quiet); the best round is reported.",
                "Also: peak RSS (VmHWM, reset between models), weight bytes read per decoded token, the machine's",
                "streaming read bandwidth (measured in-process with all threads, once, before the models) and the",
                "decode bound it implies. With several models, speed ratios are against the first, each model run in",
                "a fresh JVM of the same flags (so one model's JIT profile and heap do not slow the next), within",
                "this run: e.g. trit bench f16.gguf q8_0.gguf tq2_0.gguf.",
                "--peer PATH (repeatable; a llama-bench of llama.cpp or bitnet.cpp, or its build dir): on each model",
                "file, the peers' llama-bench -m FILE -p PROMPT -n GEN -r 1 -t THREADS [-d DEPTH] runs interleaved with trit's rounds",
                "(trit, peer 1, ..., then again; warm-up round first, dropped), in this JVM, and a second table gives each",
                "engine's prefill and decode tok/s over the measured rounds and trit / peer per round. A file whose",
                "architecture the peer calls otherwise (bitnet-b1.58: bitnet) runs the peer on a renamed temp copy.",
                "--activations llama-cpp runs the stored (GGUF) weights' products in the peer's arithmetic: activations",
                "rounded to Q8_K / Q8_0 first, and decode's Q6_K and Q4_K products in integers as ggml's vec_dot."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    ActivationsOption activations;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "MODEL")
    List<Path> models;

    @Option(names = "--prompt", paramLabel = "N", description = "prompt tokens for prefill (default ${DEFAULT-VALUE})")
    int prompt = 128;

    @Option(names = "--gen", paramLabel = "N", description = "tokens to decode one at a time (default ${DEFAULT-VALUE})")
    int gen = 64;

    @Option(names = "--depth", paramLabel = "N", description = "tokens of context in the cache before prefill and before decode, "
            + "unmeasured, as llama-bench's -d (default ${DEFAULT-VALUE}); passed to the peers as -d when not 0")
    int depth = 0;

    @Option(names = "--repeat", paramLabel = "N", description = "measured rounds after the warm-up (default ${DEFAULT-VALUE})")
    int repeat = 3;

    @Option(names = "--warmup", paramLabel = "N", description = "unmeasured rounds first, peers' too (default ${DEFAULT-VALUE})")
    int warmup = 1;

    @Option(names = "--extra-warmup", paramLabel = "N", description = "up to N more warm-up rounds (peers' too) while the last one "
            + "spent over 5%% of its time in the JIT compiler (default ${DEFAULT-VALUE}; 0: exactly --warmup)")
    int extraWarmup = 2;

    @Option(names = "--bandwidth-mib", paramLabel = "N", description = "buffer for the bandwidth probe, MiB (default ${DEFAULT-VALUE}; 0 skips it)")
    int bandwidthMib = 1024;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(names = "--same-jvm", description = "run several models in this JVM instead of one fresh JVM each")
    boolean sameJvm;

    @Option(names = "--peer", paramLabel = "PATH", description = "llama-bench (or its build dir) to run beside trit; repeatable")
    List<Path> peerPaths = new ArrayList<>();

    private List<Peer> peers = List.of();
    private Peer.Session session;

    @Override
    public Integer call() throws Exception {
        if (prompt < 1) throw new Main.UsageException("--prompt must be at least 1");
        if (gen < 0) throw new Main.UsageException("--gen must not be negative");
        if (depth < 0) throw new Main.UsageException("--depth must not be negative");
        if (repeat < 1) throw new Main.UsageException("--repeat must be at least 1");
        if (warmup < 1) throw new Main.UsageException("--warmup must be at least 1");
        if (extraWarmup < 0) throw new Main.UsageException("--extra-warmup must not be negative");
        if (bandwidthMib < 0) throw new Main.UsageException("--bandwidth-mib must not be negative");
        PrintWriter out = spec.commandLine().getOut();
        peers = new ArrayList<>();
        for (Path p : peerPaths) peers.add(Peer.locate(p, "llama-bench"));
        for (Path m : models) {
            if (!peers.isEmpty() && Files.isDirectory(m)) throw new Main.UsageException("--peer needs GGUF files: " + m + " is a directory");
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode report = mapper.createObjectNode();
        ArrayNode rows = report.putArray("models");
        try (Parallel pool = engine.pool(); Peer.Session s = new Peer.Session("bench", spec.commandLine().getErr())) {
            session = s;
            double bw = bandwidthMib == 0 ? Double.NaN : MemoryBandwidth.measure(pool, (long) bandwidthMib << 20, 8);
            report.put("threads", pool.threads());
            report.put("bandwidth_gib_s", bw / (1L << 30));
            report.put("prompt_tokens", prompt);
            report.put("gen_tokens", gen);
            report.put("depth_tokens", depth);
            report.put("warmup_rounds", warmup);
            report.put("extra_warmup_rounds_allowed", extraWarmup);
            report.put("measured_rounds", repeat);
            report.put("activations", activations.mode().label());
            for (Path model : models) {
                // each model in a JVM of its own, peers or not: a second model's peak RSS in one JVM would hold
                // the heap the first one grew (TQ1_0 after TQ2_0, 2B4T: 1.95x the file against 1.30x alone)
                if (models.size() > 1 && !sameJvm) {
                    rows.add(inChildJvm(model, pool.threads(), bw, mapper));
                } else {
                    resetPeakRss();
                    rows.add(benchOne(model, pool, bw, mapper));
                }
            }
        }
        JsonNode first = rows.get(0);
        for (JsonNode r : rows) {
            ((ObjectNode) r).put("prefill_vs_first", r.get("prefill_tok_s").asDouble() / first.get("prefill_tok_s").asDouble());
            ((ObjectNode) r).put("decode_vs_first", r.get("decode_tok_s").asDouble() / first.get("decode_tok_s").asDouble());
        }
        if (!peers.isEmpty()) report.put("peer_protocol", "interleaved: per round trit, then each peer's llama-bench -r 1 (round 0's peers before trit loads the model); the first " + warmup
                + " round(s) warm-ups, dropped, and up to " + extraWarmup + " more while trit's last one spent over 5% of its time in the JIT compiler");
        if (json) {
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            printTable(out, report);
            if (!peers.isEmpty()) printPeerTable(out, report);
        }
        out.flush();
        return Main.OK;
    }

    private ObjectNode benchOne(Path model, Parallel pool, double bw, ObjectMapper mapper) throws IOException {
        ObjectNode o = mapper.createObjectNode();
        // The peers' first warm-up round runs before trit loads the model: a renamed copy a peer needs is
        // written then (a peer's first run on a file is the only one that can write one, so no later round
        // touches trit's peak), and the heap it dirtied (the header's tokenizer arrays, ~28 MB on a 2B4T file) is
        // collected and reused by the load instead of adding to trit's peak RSS (TQ1_0 2B4T: 1.34x -> 1.30x the file).
        for (int i = 0; i < peers.size(); i++) {
            Peer.BenchResult r = peerRound(peers.get(i), model, pool.threads());
            System.err.printf(Locale.ROOT, "bench: %s round 0 (warm-up): peer %d: prefill %.1f tok/s, decode %.2f tok/s%n", model.getFileName(),
                    i + 1, r.prefillTokS(), r.decodeTokS());
        }
        if (!peers.isEmpty()) resetPeakRss();
        long t0 = System.nanoTime();
        try (LoadedModel m = EngineOptions.open(model, pool, activations.mode())) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            Transformer t = m.transformer();
            ModelSpec c = t.config();
            // prefill and decode each start from the depth context (BenchRound), so the cache never holds both
            long positions = (long) depth + Math.max(prompt, gen);
            if (positions > c.maxPositions()) {
                throw new Main.UsageException("--depth + max(--prompt, --gen) = " + positions + " exceeds the context of " + model + " (" + c.maxPositions() + ")");
            }
            int[] ids = new SplittableRandom(42).ints(depth + prompt + gen, 0, c.vocabSize()).toArray();
            KvCache cache = t.newCache((int) positions);
            float[] logits = new float[c.vocabSize()];
            double bestPrefill = Double.MAX_VALUE, bestDecode = Double.MAX_VALUE;
            ArrayNode warnings = mapper.createArrayNode();
            ArrayNode rounds = mapper.createArrayNode();
            List<ArrayNode> peerRounds = new ArrayList<>();
            List<Peer.BenchResult> peerLast = new ArrayList<>();
            for (int i = 0; i < peers.size(); i++) {
                peerRounds.add(mapper.createArrayNode());
                peerLast.add(null);
            }
            int warmRounds = warmup;
            for (int round = 0; round < warmRounds + repeat; round++) {
                boolean warm = round < warmRounds;
                long jit0 = JitActivity.compileMillis();
                long r0 = System.nanoTime();
                BenchRound br = BenchRound.run(t, cache, ids, depth, prompt, gen, logits);
                long roundNanos = System.nanoTime() - r0, jitMs = JitActivity.compileMillis() - jit0;
                double prefillS = br.prefillNanos() / 1e9, decodeS = br.decodeNanos() / 1e9;
                System.err.printf(Locale.ROOT, "bench: %s round %d%s: prefill %.1f tok/s, decode %.2f tok/s (JIT compiling %d ms)%n", model.getFileName(), round,
                        warm ? " (warm-up)" : "", prompt / prefillS, gen == 0 ? 0.0 : gen / decodeS, jitMs);
                if (warm) {
                    // A JVM's warm-up ends where its JIT's does: what the round queued compiles now, not beside the
                    // next round or a peer's run; a round that still compiled much is followed by another warm-up.
                    awaitQuietJit();
                    if (round == warmRounds - 1 && warmRounds < warmup + extraWarmup && JitActivity.busy(jitMs, roundNanos)) warmRounds++;
                }
                for (int i = 0; i < peers.size() && round > 0; i++) { // round 0's ran before the load
                    Peer.BenchResult r = peerRound(peers.get(i), model, pool.threads());
                    System.err.printf(Locale.ROOT, "bench: %s round %d%s: peer %d: prefill %.1f tok/s, decode %.2f tok/s%n", model.getFileName(), round,
                            warm ? " (warm-up)" : "", i + 1, r.prefillTokS(), r.decodeTokS());
                    if (warm) continue;
                    peerLast.set(i, r);
                    ObjectNode pr = peerRounds.get(i).addObject();
                    pr.put("prefill_tok_s", r.prefillTokS());
                    pr.put("decode_tok_s", gen == 0 ? Double.NaN : r.decodeTokS());
                }
                if (warm) continue;
                ObjectNode tr = rounds.addObject();
                tr.put("prefill_tok_s", prompt / prefillS);
                tr.put("decode_tok_s", gen == 0 ? Double.NaN : gen / decodeS);
                tr.put("jit_compile_ms", jitMs);
                long prefillPerToken = br.prefillAllocatedBytes() < 0 ? -1 : br.prefillAllocatedBytes() / prompt;
                long perToken = gen == 0 || br.decodeAllocatedBytes() < 0 ? -1 : br.decodeAllocatedBytes() / gen;
                tr.put("prefill_allocated_bytes_per_token", prefillPerToken);
                tr.put("decode_allocated_bytes_per_token", perToken);
                boxedWarning(model, round, "prefilled", prompt / prefillS, prefillPerToken, warnings);
                if (gen > 0) boxedWarning(model, round, "decoded", gen / decodeS, perToken, warnings);
                bestPrefill = Math.min(bestPrefill, prefillS);
                if (gen > 0) bestDecode = Math.min(bestDecode, decodeS);
            }
            long weightBytes = t.weightBytesPerToken();
            double bound = bw / weightBytes;
            double decodeTps = gen == 0 ? Double.NaN : gen / bestDecode;
            o.put("model", model.toString());
            o.put("output_matrix", t.outputMatrixType());
            o.put("load_seconds", loadSeconds);
            o.put("warmup_rounds", warmRounds);
            o.put("prefill_tok_s", prompt / bestPrefill);
            o.put("prefill_ms_per_token", bestPrefill * 1e3 / prompt);
            o.put("decode_tok_s", decodeTps);
            o.put("decode_ms_per_token", gen == 0 ? Double.NaN : bestDecode * 1e3 / gen);
            o.put("weight_bytes_per_token", weightBytes);
            o.put("weights_in_memory_bytes", t.weightBytesInMemory());
            o.put("decode_bound_tok_s", bound);
            o.put("fraction_of_bound", decodeTps / bound);
            o.put("peak_rss_bytes", peakRss());
            o.put("file_bytes", fileBytes(model));
            o.set("rounds", rounds);
            o.set("warnings", warnings);
            if (!peers.isEmpty()) {
                ArrayNode ps = o.putArray("peers");
                for (int i = 0; i < peers.size(); i++) {
                    ps.add(peerRow(mapper, peers.get(i), model, peerLast.get(i), peerRounds.get(i), rounds));
                }
            }
        }
        return o;
    }

    /**
     * Runs {@code trit bench MODEL --json} (with the same peers) in a new JVM with this one's flags and class
     * path, and takes its figures; the bound is recomputed from this run's bandwidth measurement.
     */
    private ObjectNode inChildJvm(Path model, int threads, double bw, ObjectMapper mapper) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // agents and recordings (debuggers, coverage, JFR) belong to this JVM only
            if (a.startsWith("-agentlib") || a.startsWith("-javaagent") || a.startsWith("-Xrunjdwp") || a.startsWith("-XX:StartFlightRecording")) continue;
            cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench", model.toString(),
                "--threads", Integer.toString(threads), "--prompt", Integer.toString(prompt), "--gen", Integer.toString(gen),
                "--depth", Integer.toString(depth), "--repeat", Integer.toString(repeat), "--warmup", Integer.toString(warmup),
                "--extra-warmup", Integer.toString(extraWarmup), "--bandwidth-mib", "0", "--activations", activations.mode().label(), "--json"));
        for (Path peer : peerPaths) cmd.addAll(List.of("--peer", peer.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException(model + ": benchmark run failed (exit " + code + ")"
                    + (code == Main.USAGE ? "; see its message above" : ""));
        }
        ObjectNode o = (ObjectNode) mapper.readTree(stdout).get("models").get(0);
        double bound = bw / o.get("weight_bytes_per_token").asLong();
        o.put("decode_bound_tok_s", bound);
        o.put("fraction_of_bound", o.get("decode_tok_s").asDouble() / bound);
        return o;
    }

    private static void awaitQuietJit() throws IOException {
        try {
            JitActivity.awaitQuiet(200, 5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** One llama-bench run of the peer on model (or its renamed copy): -r 1, this run's shape and threads. */
    private Peer.BenchResult peerRound(Peer peer, Path model, int threads) throws IOException {
        try {
            Peer.Run r = session.run(peer, model, file -> {
                List<String> args = new ArrayList<>(List.of("-m", file.toString(), "-p", Integer.toString(prompt),
                        "-n", Integer.toString(gen), "-r", "1", "-t", Integer.toString(threads), "-o", "json"));
                if (depth > 0) args.addAll(List.of("-d", Integer.toString(depth))); // llama-bench's --n-depth (2025 on)
                return args;
            });
            try {
                return Peer.parseBench(r.stdout());
            } catch (IOException e) {
                throw new Main.FailureException("peer " + peer + ": unreadable llama-bench output (" + e.getMessage() + "): " + r.tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (Main.FailureException e) {
            // llama-bench has had -d (--n-depth) since 2025; bitnet.cpp's fork of 2024 refuses it ("invalid parameter
            // for argument: -d"). Only that refusal gets the hint: a crash or unreadable output at a depth is not it.
            if (depth > 0 && e.getMessage().contains("argument: -d")) {
                throw new Main.FailureException(e.getMessage() + " (--depth runs the peer with llama-bench's -d, which builds before 2025 lack)");
            }
            throw e;
        }
    }

    private ObjectNode peerRow(ObjectMapper mapper, Peer peer, Path model, Peer.BenchResult last, ArrayNode peerRounds, ArrayNode tritRounds) {
        ObjectNode p = mapper.createObjectNode();
        p.put("peer", peer.given.toString());
        p.put("executable", peer.executable.toString());
        p.put("build_commit", last.buildCommit());
        p.put("build_number", last.buildNumber());
        p.put("model_type", last.modelType());
        Path file = session.fileFor(peer, model);
        p.put("file", file == null ? model.toString() : file.toString());
        p.put("renamed_architecture", file != null && !file.equals(model));
        p.set("rounds", peerRounds);
        for (String k : List.of("prefill_tok_s", "decode_tok_s")) {
            double best = Double.NaN, tritBest = Double.NaN, lo = Double.NaN, hi = Double.NaN;
            for (int r = 0; r < peerRounds.size(); r++) {
                double pv = peerRounds.get(r).get(k).asDouble(), tv = tritRounds.get(r).get(k).asDouble();
                best = Double.isNaN(best) ? pv : Math.max(best, pv);
                tritBest = Double.isNaN(tritBest) ? tv : Math.max(tritBest, tv);
                double ratio = tv / pv;
                lo = Double.isNaN(lo) ? ratio : Math.min(lo, ratio);
                hi = Double.isNaN(hi) ? ratio : Math.max(hi, ratio);
            }
            String phase = k.substring(0, k.indexOf('_'));
            p.put(k, best);
            p.put(phase + "_trit_over_peer_best", tritBest / best);
            p.put(phase + "_trit_over_peer_min", lo);
            p.put(phase + "_trit_over_peer_max", hi);
        }
        return p;
    }

    private void printPeerTable(PrintWriter out, ObjectNode report) {
        out.println();
        int warm = 0;
        for (JsonNode r : report.get("models")) warm = Math.max(warm, r.get("warmup_rounds").asInt());
        out.printf(Locale.ROOT, "beside the peers (interleaved, %d measured rounds each after %d warm-up round(s); ranges over the rounds; trit / peer per round):%n",
                repeat, warm);
        out.printf(Locale.ROOT, "%-28s %-22s %17s %17s %17s %17s%n", "model", "engine", "prefill tok/s", "decode tok/s", "prefill trit/peer",
                "decode trit/peer");
        List<String> legend = new ArrayList<>();
        for (JsonNode r : report.get("models")) {
            String name = Path.of(r.get("model").asText()).getFileName().toString();
            if (name.length() > 28) name = "..." + name.substring(name.length() - 25);
            out.printf(Locale.ROOT, "%-28s %-22s %17s %17s%n", name, "trit", range(r.get("rounds"), "prefill_tok_s", 1),
                    range(r.get("rounds"), "decode_tok_s", 2));
            int i = 0;
            for (JsonNode p : r.get("peers")) {
                i++;
                String engine = "peer " + i + " " + p.get("build_commit").asText() + (p.get("renamed_architecture").asBoolean() ? " (renamed)" : "");
                out.printf(Locale.ROOT, "%-28s %-22s %17s %17s %17s %17s%n", "", engine, range(p.get("rounds"), "prefill_tok_s", 1),
                        range(p.get("rounds"), "decode_tok_s", 2), ratio(p, "prefill"), ratio(p, "decode"));
                String l = "peer " + i + ": " + p.get("executable").asText() + " (build " + p.get("build_commit").asText() + ", " + p.get("build_number").asLong()
                        + ")" + (p.get("renamed_architecture").asBoolean() ? ", on " + p.get("file").asText() : "");
                if (!legend.contains(l)) legend.add(l);
            }
        }
        legend.forEach(out::println);
    }

    private static String range(JsonNode rounds, String key, int decimals) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (JsonNode r : rounds) {
            double v = r.get(key).asDouble();
            if (Double.isNaN(v)) return "-";
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        String f = "%." + decimals + "f";
        return lo == hi ? String.format(Locale.ROOT, f, lo) : String.format(Locale.ROOT, f + "-" + f, lo, hi);
    }

    private static String ratio(JsonNode p, String phase) {
        double lo = p.get(phase + "_trit_over_peer_min").asDouble(), hi = p.get(phase + "_trit_over_peer_max").asDouble();
        if (Double.isNaN(lo)) return "-";
        return Math.abs(hi - lo) < 0.005 ? String.format(Locale.ROOT, "%.2fx", lo) : String.format(Locale.ROOT, "%.2f-%.2fx", lo, hi);
    }

    private void printTable(PrintWriter out, ObjectNode report) {
        out.printf(Locale.ROOT, "%d threads; streaming read %.2f GiB/s; prefill %d tokens, decode %d tokens, each from %s; %s activations%n",
                report.get("threads").asInt(), report.get("bandwidth_gib_s").asDouble(), prompt, gen,
                depth == 0 ? "an empty cache" : depth + " tokens of context", report.get("activations").asText());
        out.printf(Locale.ROOT, "%-32s %9s %7s %9s %9s %8s %9s %7s %8s %7s %9s %9s%n", "model", "file MiB", "output", "read/tok",
                "prefill", "decode", "ms/token", "bound", "of bound", "RSS", "prefill x", "decode x");
        out.printf(Locale.ROOT, "%-32s %9s %7s %9s %9s %8s %9s %7s %8s %7s %9s %9s%n", "", "", "matrix", "MiB", "tok/s", "tok/s", "",
                "tok/s", "", "x file", "vs first", "vs first");
        for (JsonNode r : report.get("models")) {
            String name = Path.of(r.get("model").asText()).getFileName().toString();
            if (name.length() > 32) name = "..." + name.substring(name.length() - 29);
            out.printf(Locale.ROOT, "%-32s %9.1f %7s %9.1f %9.1f %8.2f %9.2f %7.2f %7.0f%% %7.2f %9.2f %9.2f%n", name,
                    r.get("file_bytes").asLong() / 1048576.0, r.get("output_matrix").asText(), r.get("weight_bytes_per_token").asLong() / 1048576.0,
                    r.get("prefill_tok_s").asDouble(), r.get("decode_tok_s").asDouble(), r.get("decode_ms_per_token").asDouble(),
                    r.get("decode_bound_tok_s").asDouble(), 100 * r.get("fraction_of_bound").asDouble(),
                    (double) r.get("peak_rss_bytes").asLong() / r.get("file_bytes").asLong(), r.get("prefill_vs_first").asDouble(),
                    r.get("decode_vs_first").asDouble());
        }
        for (JsonNode r : report.get("models")) {
            for (JsonNode w : r.path("warnings")) out.println("warning: " + Path.of(r.get("model").asText()).getFileName() + ": " + w.asText());
        }
    }

    /**
     * Warns, on stderr and in the JSON's warnings, when a phase allocated more per token than the engine does:
     * not the engine's speed, so it is said where the figure is read.
     */
    private static void boxedWarning(Path model, int round, String phase, double tokS, long bytesPerToken, ArrayNode warnings) {
        if (bytesPerToken <= JitActivity.BOXED_BYTES_PER_TOKEN) return;
        String w = String.format(Locale.ROOT, "round %d %s at %.2f tok/s allocating %.1f MB per token: the JIT left vector code boxed in this JVM (a HotSpot compile from a thin profile); its figures are not the engine's, run again",
                round, phase, tokS, bytesPerToken / 1e6);
        System.err.println("bench: " + model.getFileName() + " " + w);
        warnings.add(w);
    }

    /**
     * Resets VmHWM so the next model's peak is its own (Linux: writing 5 to /proc/self/clear_refs);
     * where that is not possible peaks accumulate, and the first model's figure alone is exact.
     */
    static void resetPeakRss() {
        System.gc(); // the previous model's heap arrays, so the reset starts from what is live
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux, or not permitted
        }
    }

    /** VmHWM of this process in bytes, or -1 where /proc is not available. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static long fileBytes(Path p) throws IOException {
        if (!Files.isDirectory(p)) return Files.size(p);
        long n = 0;
        try (var s = Files.list(p)) {
            for (Path f : s.toList()) if (f.getFileName().toString().endsWith(".safetensors")) n += Files.size(f);
        }
        return n;
    }
}
