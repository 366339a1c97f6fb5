package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.engine.KvCache;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.MemoryBandwidth;
import dev.trit.engine.ModelConfig;
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
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code trit bench}: prefill and decode speed of a model on random token ids, with the bandwidth
 * bound on decode (weight bytes read per token over the machine's measured streaming read rate).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Prefill and decode tokens/s of MODEL (HF directory or .gguf) on random token ids.",
                "Prefill runs --prompt tokens in one batch; decode then adds --gen tokens one at a time.",
                "Each phase runs --repeat times after one warm-up round; the best round is reported.",
                "Also: peak RSS (VmHWM), weight bytes read per decoded token, the machine's streaming read",
                "bandwidth (measured in-process with all threads) and the decode bound it implies."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Option(names = "--prompt", paramLabel = "N", description = "prompt tokens for prefill (default ${DEFAULT-VALUE})")
    int prompt = 128;

    @Option(names = "--gen", paramLabel = "N", description = "tokens to decode one at a time (default ${DEFAULT-VALUE})")
    int gen = 64;

    @Option(names = "--repeat", paramLabel = "N", description = "measured rounds after the warm-up (default ${DEFAULT-VALUE})")
    int repeat = 3;

    @Option(names = "--bandwidth-mib", paramLabel = "N", description = "buffer for the bandwidth probe, MiB (default ${DEFAULT-VALUE}; 0 skips it)")
    int bandwidthMib = 1024;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (prompt < 1) throw new Main.UsageException("--prompt must be at least 1");
        if (gen < 0) throw new Main.UsageException("--gen must not be negative");
        if (repeat < 1) throw new Main.UsageException("--repeat must be at least 1");
        if (bandwidthMib < 0) throw new Main.UsageException("--bandwidth-mib must not be negative");
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode o = new ObjectMapper().createObjectNode();
        try (Parallel pool = engine.pool()) {
            long t0 = System.nanoTime();
            try (LoadedModel m = EngineOptions.open(model, pool)) {
                double loadSeconds = (System.nanoTime() - t0) / 1e9;
                Transformer t = m.transformer();
                ModelConfig c = t.config();
                if (prompt + gen > c.maxPositions()) {
                    throw new Main.UsageException("--prompt + --gen = " + (prompt + gen) + " exceeds the model's context of " + c.maxPositions());
                }
                int[] ids = new SplittableRandom(42).ints(prompt + gen, 0, c.vocabSize()).toArray();
                KvCache cache = t.newCache(prompt + gen);
                float[] logits = new float[c.vocabSize()];
                double bestPrefill = Double.MAX_VALUE, bestDecode = Double.MAX_VALUE;
                for (int round = 0; round <= repeat; round++) {
                    cache.clear();
                    long a = System.nanoTime();
                    t.forward(Arrays.copyOf(ids, prompt), cache, prompt - 1);
                    long b = System.nanoTime();
                    for (int i = 0; i < gen; i++) t.decode(ids[prompt + i], cache, logits);
                    long e = System.nanoTime();
                    System.err.printf(Locale.ROOT, "bench: round %d%s: prefill %.1f tok/s, decode %.2f tok/s%n", round,
                            round == 0 ? " (warm-up)" : "", prompt / ((b - a) / 1e9), gen == 0 ? 0.0 : gen / ((e - b) / 1e9));
                    if (round == 0) continue;
                    bestPrefill = Math.min(bestPrefill, (b - a) / 1e9);
                    if (gen > 0) bestDecode = Math.min(bestDecode, (e - b) / 1e9);
                }
                long weightBytes = t.weightBytesPerToken();
                long rss = peakRss(); // before the bandwidth probe's buffer
                double bw = bandwidthMib == 0 ? Double.NaN : MemoryBandwidth.measure(pool, (long) bandwidthMib << 20, 3);
                double bound = bw / weightBytes;
                double decodeTps = gen == 0 ? Double.NaN : gen / bestDecode;
                o.put("model", model.toString());
                o.put("threads", pool.threads());
                o.put("load_seconds", loadSeconds);
                o.put("prompt_tokens", prompt);
                o.put("prefill_tok_s", prompt / bestPrefill);
                o.put("prefill_ms_per_token", bestPrefill * 1e3 / prompt);
                o.put("gen_tokens", gen);
                o.put("decode_tok_s", decodeTps);
                o.put("decode_ms_per_token", gen == 0 ? Double.NaN : bestDecode * 1e3 / gen);
                o.put("weight_bytes_per_token", weightBytes);
                o.put("weights_in_memory_bytes", t.weightBytesInMemory());
                o.put("bandwidth_gib_s", bw / (1L << 30));
                o.put("decode_bound_tok_s", bound);
                o.put("fraction_of_bound", decodeTps / bound);
                o.put("peak_rss_bytes", rss);
                o.put("file_bytes", fileBytes(model));
            }
        }
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "%s, %d threads%n", o.get("model").asText(), o.get("threads").asInt());
            out.printf(Locale.ROOT, "  prefill  %8.1f tok/s  %8.2f ms/token  (%d-token prompt)%n", o.get("prefill_tok_s").asDouble(),
                    o.get("prefill_ms_per_token").asDouble(), prompt);
            out.printf(Locale.ROOT, "  decode   %8.2f tok/s  %8.2f ms/token  (%d tokens)%n", o.get("decode_tok_s").asDouble(),
                    o.get("decode_ms_per_token").asDouble(), gen);
            out.printf(Locale.ROOT, "  weights read per token %.1f MiB; in memory %.1f MiB; file %.1f MiB%n",
                    o.get("weight_bytes_per_token").asLong() / 1048576.0, o.get("weights_in_memory_bytes").asLong() / 1048576.0,
                    o.get("file_bytes").asLong() / 1048576.0);
            out.printf(Locale.ROOT, "  bandwidth %.2f GiB/s -> decode bound %.2f tok/s; achieved %.0f%%%n", o.get("bandwidth_gib_s").asDouble(),
                    o.get("decode_bound_tok_s").asDouble(), 100 * o.get("fraction_of_bound").asDouble());
            out.printf(Locale.ROOT, "  peak RSS %.1f MiB (%.2fx the file)%n", o.get("peak_rss_bytes").asLong() / 1048576.0,
                    (double) o.get("peak_rss_bytes").asLong() / o.get("file_bytes").asLong());
        }
        out.flush();
        return Main.OK;
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
