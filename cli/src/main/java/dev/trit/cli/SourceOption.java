package dev.trit.cli;

import dev.trit.engine.ActivationMode;
import dev.trit.engine.KernelWarmup;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.VectorKernels;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** {@code --source model|latent}: which weights of MODEL run (a picocli mixin). */
final class SourceOption {
    @Option(names = "--source", paramLabel = "S", description = {"model (default): MODEL as it runs; latent: a BitNet",
            "checkpoint that ternarizes latent weights at load (online) runs them",
            "un-ternarized, every BitLinear float with int8 activations"})
    String source = "model";

    boolean latent() {
        return switch (source) {
            case "model" -> false;
            case "latent" -> true;
            default -> throw new Main.UsageException("--source must be model or latent, not " + source);
        };
    }

    LoadedModel open(Path model, Parallel pool) throws IOException {
        return LoadedModel.open(model, new VectorKernels(pool), latent());
    }

    LoadedModel open(Path model, Parallel pool, ActivationMode activations) throws IOException {
        return open(model, pool, activations, null);
    }

    /** As {@link #open(Path, Parallel, ActivationMode)}, running the warm-up (null: none) while a large GGUF loads (never for latent weights). */
    LoadedModel open(Path model, Parallel pool, ActivationMode activations, KernelWarmup.Workload warmup) throws IOException {
        return EngineOptions.open(model, pool, activations, latent(), warmup);
    }
}
