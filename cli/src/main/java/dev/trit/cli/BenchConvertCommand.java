package dev.trit.cli;

import dev.trit.converters.Converter;
import dev.trit.converters.Progress;
import dev.trit.converters.TargetType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code trit bench-convert}: conversion throughput in MB/s of input, per output type. Each output is
 * written to a scratch directory and deleted; the first run of each type warms the page cache and the
 * JIT and is not counted.
 */
@Command(name = "bench-convert", mixinStandardHelpOptions = true,
        description = {"Measure conversion throughput (MB/s of input) for each output type.",
                "Outputs go to a scratch directory (default: the system temp directory) and are deleted."})
final class BenchConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "model directory or .gguf file")
    Path src;

    @Option(names = "--types", split = ",", paramLabel = "T", description = "output types, e.g. gguf:tq2_0,hf:packed (default: every type that suits SRC, llama-quantize's mixtures only when named)")
    List<String> types;

    @Option(names = "--repeat", defaultValue = "3", description = "timed runs per type (default 3; the best is reported)")
    int repeat;

    @Option(names = "--dir", paramLabel = "DIR", description = "scratch directory")
    Path dir;

    @Option(names = "--ternarize", description = "allow ternary types for a full-precision model")
    boolean ternarize;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1) throw new Main.UsageException("--repeat must be at least 1");
        PrintWriter out = spec.commandLine().getOut();
        Path scratch = Files.createTempDirectory(dir == null ? Path.of(System.getProperty("java.io.tmpdir")) : dir, "trit-bench-");
        try {
            out.printf(Locale.ROOT, "%-12s %12s %12s %9s %9s%n", "type", "input MB", "output MB", "best s", "MB/s in");
            for (TargetType t : targets()) {
                Path dst = scratch.resolve(t.isGguf() ? "out-" + t.label() + ".gguf" : "out-" + t.label());
                Converter.Options o = new Converter.Options(t, ternarize, true, true);
                Converter.Result r;
                try {
                    r = Converter.convert(src, dst, o, Progress.NONE); // warm-up
                } catch (IOException e) {
                    if (types == null) continue; // a type that does not suit this model
                    throw e;
                }
                double best = Double.MAX_VALUE;
                for (int i = 0; i < repeat; i++) {
                    long t0 = System.nanoTime();
                    r = Converter.convert(src, dst, o, Progress.NONE);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
                out.printf(Locale.ROOT, "%-12s %12.1f %12.1f %9.3f %9.1f%n", (t.isGguf() ? "gguf:" : "hf:") + t.label(),
                        r.inputBytes() / 1e6, r.outputBytes() / 1e6, best, r.inputBytes() / 1e6 / best);
                out.flush();
            }
        } finally {
            try (Stream<Path> s = Files.walk(scratch)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        return Main.OK;
    }

    private List<TargetType> targets() {
        // by default the single-type targets; llama-quantize's mixtures when named
        if (types == null) return java.util.Arrays.stream(TargetType.values()).filter(t -> !t.isQuantMix()).toList();
        return types.stream().map(s -> {
            String[] kv = s.split(":", 2);
            boolean gguf = kv.length == 1 || kv[0].equalsIgnoreCase("gguf");
            String name = kv.length == 1 ? kv[0] : kv[1];
            return TargetType.parse(name, gguf).orElseThrow(() -> new Main.UsageException("unknown type '" + s + "' (gguf:T or hf:T)"));
        }).toList();
    }
}
