package dev.trit.cli;

import dev.trit.converters.Converter;
import dev.trit.converters.Progress;
import dev.trit.converters.Synth;
import dev.trit.converters.TargetType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code trit synth}: a real-sized model with random weights, for benchmarks without downloads. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a checkpoint with the config, tensor names and shapes of a public model and",
                "deterministic random weights (ternary: uniform trits, one scale per tensor; float: Gaussian).",
                "Models: microsoft/bitnet-b1.58-2B-4T, 1bitLLM/bitnet_b1_58-large, 1bitLLM/bitnet_b1_58-3B (ternary);",
                "llama-2b4t-shape, llama-large-shape, llama-3b-shape (LLaMA with float linears in those shapes).",
                "OUT is a .gguf file (tq1_0, tq2_0, i2_s, f16, bf16, f32, q8_0) or a directory (packed, bf16, f16, f32).",
                "Streams to disk through the converter's writers; the model is never held in memory."})
final class SynthCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--like", required = true, paramLabel = "NAME", description = "model whose shapes to copy (see above)")
    String like;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = ".gguf file or directory to write")
    Path out;

    @Option(names = {"-t", "--type"}, paramLabel = "T", description = "weight type (default: tq2_0 / packed for ternary models, f16 for LLaMA)")
    String type;

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default ${DEFAULT-VALUE})")
    long seed = 1;

    @Mixin
    EmbeddingTypeOptions heads;

    @Option(names = "--force", description = "overwrite OUT if it exists")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Synth.Shape shape;
        try {
            shape = Synth.shape(like);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        boolean gguf = Converter.isGguf(out);
        String name = type != null ? type : shape.ternary() ? (gguf ? "tq2_0" : "packed") : "f16";
        TargetType t = TargetType.parse(name, gguf).orElseThrow(() -> new Main.UsageException("type '" + name + "' is not a "
                + (gguf ? "GGUF type (tq1_0, tq2_0, i2_s, f16, bf16, f32, q8_0)" : "Hugging Face type (packed, bf16, f16, f32)")));
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        long start = System.nanoTime();
        ConvertCommand.ProgressBar bar = quiet ? null : new ConvertCommand.ProgressBar(err, start);
        Converter.Result r;
        try {
            r = Synth.write(shape, seed, out, t, heads.forOutput(gguf), force, bar == null ? Progress.NONE : bar);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (bar != null) bar.finish();
        ConvertCommand.printSummary(o, r, t, seconds);
        o.flush();
        return Main.OK;
    }
}
