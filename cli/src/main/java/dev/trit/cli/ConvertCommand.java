package dev.trit.cli;

import dev.trit.converters.Converter;
import dev.trit.converters.Progress;
import dev.trit.converters.TargetType;
import dev.trit.converters.WrittenTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code trit convert}: one model layout to another, streamed, written atomically. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a model between Hugging Face and GGUF layouts.",
                "SRC and DST are Hugging Face directories (safetensors, single or sharded) or .gguf files.",
                "GGUF types: f32, f16, bf16, q8_0 (baselines); tq1_0, tq2_0, i2_s (ternary; i2_s is bitnet.cpp's); q1_0 (1-bit BitNet);",
                "llama-quantize's mixtures q2_k, q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m, q6_k, q4_0, q4_1, q5_0, q5_1, iq4_nl",
                "(its per-tensor types without an imatrix and its file layout).",
                "HF types: packed (2-bit, microsoft/bitnet-b1.58-2B-4T layout), bf16, f16, f32.",
                "Ternary types take BitNet models (latent weights are ternarized with their absmean rule);",
                "a full-precision model is refused unless --ternarize is given."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "model directory or .gguf file to read")
    Path src;

    @Parameters(index = "1", paramLabel = "DST", description = "directory or .gguf file to write")
    Path dst;

    @Option(names = {"-t", "--type"}, paramLabel = "T", description = "output type (see above); with --plan, the mixture for tensors the plan does not name")
    String type;

    @Option(names = "--plan", paramLabel = "FILE", description = "per-tensor types from trit plan, overriding the mixture's; without --type the mixture "
            + "of the plan's most common type")
    Path plan;

    @Option(names = "--arch-from-config", paramLabel = "CONFIG",
            description = "take the architecture and config.json of the output from this file (or model directory), "
                    + "e.g. a llama.cpp GGUF going back to HF in its original layout; shapes must match the source")
    Path archConfig;

    @Option(names = "--ternarize", description = "ternarize a full-precision model's linear weights (post-training absmean)")
    boolean ternarize;

    @Option(names = "--force", description = "overwrite DST if it exists")
    boolean force;

    @Option(names = "--no-hf-files", description = "GGUF output: do not embed config.json and tokenizer files (trit.hf.* keys)")
    boolean noHfFiles;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Mixin
    EmbeddingTypeOptions heads;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "HF output: largest shard, e.g. 500MB or 5GB (default 5GB, as save_pretrained)")
    String maxShardSize;

    @Override
    public Integer call() throws Exception {
        boolean gguf = Converter.isGguf(dst);
        java.util.Map<String, dev.trit.formats.GgmlType> planned = null;
        if (plan != null) {
            if (!gguf) throw new Main.UsageException("--plan writes GGUF files; " + dst + " is not a .gguf file");
            planned = dev.trit.analysis.MixPlan.read(plan).types();
            if (type == null) type = mixtureFor(planned);
        }
        if (type == null) throw new Main.UsageException("Missing required option: '--type=T'");
        TargetType t = TargetType.parse(type, gguf).orElseThrow(() -> new Main.UsageException("type '" + type + "' is not a "
                + (gguf ? "GGUF type (f32, f16, bf16, q8_0, tq1_0, tq2_0, i2_s, q1_0, q2_k, q3_k_s|m|l, q4_k_s|m, q5_k_s|m, q6_k, q4_0, q4_1, q5_0, q5_1, iq4_nl)" : "Hugging Face type (packed, bf16, f16, f32)")
                + " for " + (gguf ? "a .gguf destination" : "a directory destination")));
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        long start = System.nanoTime();
        ProgressBar bar = quiet ? null : new ProgressBar(err, start);
        if (planned != null && !t.isQuantMix()) {
            throw new Main.UsageException("--plan takes a llama-quantize mixture type (q2_k, q3_k_m, q4_k_m, q5_k_m, q6_k, q4_0, ...), not " + t.label());
        }
        Converter.Result r;
        try {
            r = Converter.convert(src, dst, new Converter.Options(t, ternarize, force, !noHfFiles, size(maxShardSize), archConfig,
                    heads.forOutput(gguf), planned), bar == null ? Progress.NONE : bar);
        } catch (IllegalArgumentException e) {
            if (planned == null) throw e;
            if (bar != null) bar.finish();
            throw new Main.FailureException(plan + ": " + e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (bar != null) bar.finish();
        for (WrittenTensor w : r.tensors()) if (w.note() != null) err.println("trit convert: " + w.name() + ": " + w.note());
        err.flush();
        printSummary(out, r, t, seconds);
        out.flush();
        return Main.OK;
    }

    /** "5GB", "500MB", "1000000" (bytes) as save_pretrained's max_shard_size (decimal units). */
    static long size(String s) {
        return size(s, "--max-shard-size");
    }

    static long size(String s, String option) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(kb|mb|gb|b)?\\s*").matcher(s);
        if (!m.matches()) throw new Main.UsageException(option + " " + s + " is not a size like 500MB or 5GB");
        double v = Double.parseDouble(m.group(1));
        String u = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (u) {
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            default -> 1L;
        };
        long bytes = (long) (v * mult);
        if (bytes <= 0) throw new Main.UsageException(option + " must be positive");
        return bytes;
    }

    static void printSummary(PrintWriter out, Converter.Result r, TargetType t, double seconds) {
        out.println("wrote " + r.destination() + " (" + t.label() + ")");
        String fmt = "  %-22s %6s %14s %14s %14s %9s %9s%n";
        out.printf(Locale.ROOT, fmt, "input -> output", "count", "weights", "input bytes", "output bytes", "in bits/w", "out bits/w");
        Map<String, long[]> rows = new TreeMap<>();
        for (WrittenTensor w : r.tensors()) {
            boolean fallback = w.note() != null && (t.isQuantMix() || !w.outputType().equalsIgnoreCase(t.label()));
            long[] a = rows.computeIfAbsent(w.inputType() + " -> " + w.outputType() + (fallback ? " fallback" : ""), k -> new long[4]);
            a[0]++;
            a[1] += w.elements();
            a[2] += w.inputBytes();
            a[3] += w.outputBytes();
        }
        long[] tot = new long[4];
        rows.forEach((k, a) -> {
            out.printf(Locale.ROOT, fmt, k, a[0], String.format(Locale.ROOT, "%,d", a[1]), String.format(Locale.ROOT, "%,d", a[2]),
                    String.format(Locale.ROOT, "%,d", a[3]), bits(a[2], a[1]), bits(a[3], a[1]));
            for (int i = 0; i < 4; i++) tot[i] += a[i];
        });
        out.printf(Locale.ROOT, fmt, "total", tot[0], String.format(Locale.ROOT, "%,d", tot[1]), String.format(Locale.ROOT, "%,d", tot[2]),
                String.format(Locale.ROOT, "%,d", tot[3]), bits(tot[2], tot[1]), bits(tot[3], tot[1]));
        if (t.isQuantMix()) {
            // the mixture's own choices are no fallback; the notes name tensors whose rows are not whole blocks
            List<WrittenTensor> fell = r.tensors().stream().filter(w -> w.note() != null).toList();
            if (!fell.isEmpty()) {
                out.printf(Locale.ROOT, "  %d tensor(s) with rows that are not whole blocks fell back as llama-quantize does: %s%n", fell.size(),
                        String.join(", ", fell.stream().map(w -> w.name() + " " + w.outputType()).toList()));
            }
        }
        List<WrittenTensor> fell = t.isQuantMix() ? List.of()
                : r.tensors().stream().filter(w -> w.note() != null && !w.outputType().equalsIgnoreCase(t.label())).toList();
        if (!fell.isEmpty()) {
            out.printf(Locale.ROOT, "  %d ternary tensor(s) %s cannot hold exactly, written in their float type (exact): %s%n", fell.size(),
                    t.label(), String.join(", ", fell.stream().map(WrittenTensor::name).toList()));
        }
        out.printf(Locale.ROOT, "  %.2f s, %.1f MB/s of input%n", seconds, seconds > 0 ? r.inputBytes() / 1e6 / seconds : 0);
    }

    private static String bits(long bytes, long weights) {
        return weights == 0 ? "-" : String.format(Locale.ROOT, "%.3f", 8.0 * bytes / weights);
    }

    /** A one-line progress bar on stderr, redrawn at most every 200 ms: percent, MB/s of input, tensor. */
    static final class ProgressBar implements Progress {
        private final PrintWriter err;
        private final long start;
        private long lastDraw;
        private boolean drawn;

        ProgressBar(PrintWriter err, long start) {
            this.err = err;
            this.start = start;
        }

        @Override
        public void update(long done, long total, String tensor) {
            long now = System.nanoTime();
            if (drawn && now - lastDraw < 200_000_000L && done < total) return;
            lastDraw = now;
            drawn = true;
            double frac = total == 0 ? 1 : (double) done / total;
            int w = 30, filled = (int) Math.round(frac * w);
            double mbs = done / 1e6 / Math.max(1e-9, (now - start) / 1e9);
            err.printf(Locale.ROOT, "\r[%s%s] %3.0f%% %8.1f MB/s  %-40.40s", "#".repeat(filled), " ".repeat(w - filled), frac * 100, mbs, tensor);
            err.flush();
        }

        void finish() {
            if (drawn) {
                err.println();
                err.flush();
            }
        }
    }

    /** The mixture a plan's file is labelled with: the one whose base type the plan uses most (q6_k for Q8_0 and others). */
    static String mixtureFor(java.util.Map<String, dev.trit.formats.GgmlType> planned) {
        java.util.Map<dev.trit.formats.GgmlType, Integer> n = new java.util.TreeMap<>();
        planned.values().forEach(g -> n.merge(g, 1, Integer::sum));
        dev.trit.formats.GgmlType most = n.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).orElseThrow().getKey();
        return switch (most) {
            case Q2_K -> "q2_k";
            case Q3_K -> "q3_k_m";
            case Q4_K -> "q4_k_m";
            case Q5_K -> "q5_k_m";
            case Q4_0 -> "q4_0";
            case Q4_1 -> "q4_1";
            case Q5_0 -> "q5_0";
            case Q5_1 -> "q5_1";
            case IQ4_NL -> "iq4_nl";
            default -> "q6_k";
        };
    }

    static List<String> typeNames() {
        return java.util.Arrays.stream(TargetType.values()).map(TargetType::label).toList();
    }
}
