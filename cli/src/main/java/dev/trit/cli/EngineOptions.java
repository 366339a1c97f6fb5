package dev.trit.cli;

import dev.trit.engine.ActivationMode;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.VectorKernels;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Options every command that runs a model shares (a picocli mixin). */
final class EngineOptions {
    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    /** A thread pool the caller closes. */
    Parallel pool() {
        if (threads < 1) throw new Main.UsageException("--threads must be at least 1");
        return new Parallel(threads);
    }

    static LoadedModel open(Path model, Parallel pool) throws IOException {
        return LoadedModel.open(model, new VectorKernels(pool));
    }

    /** As {@link #open(Path, Parallel)}, the model's stored-weight products in the given activation mode. */
    static LoadedModel open(Path model, Parallel pool, ActivationMode activations) throws IOException {
        LoadedModel m = open(model, pool);
        m.transformer().activations(activations);
        return m;
    }
}
