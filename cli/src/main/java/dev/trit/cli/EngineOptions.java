package dev.trit.cli;

import dev.trit.engine.ActivationMode;
import dev.trit.engine.KernelWarmup;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.PerplexityProtocol;
import dev.trit.engine.PerplexityRun;
import dev.trit.engine.VectorKernels;
import dev.trit.engine.eval.EvalWindow;
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
        return open(model, pool, activations, null);
    }

    /**
     * As {@link #open(Path, Parallel, ActivationMode)}, running the warm-up (null: none) on a small model of the
     * file, in the same activation mode, while it loads ({@link KernelWarmup}).
     */
    static LoadedModel open(Path model, Parallel pool, ActivationMode activations, KernelWarmup.Workload warmup) throws IOException {
        return open(model, pool, activations, false, warmup);
    }

    /** As {@link #open(Path, Parallel, ActivationMode, KernelWarmup.Workload)}; latent as {@link LoadedModel#open(Path, dev.trit.engine.Kernels, boolean)}. */
    static LoadedModel open(Path model, Parallel pool, ActivationMode activations, boolean latent, KernelWarmup.Workload warmup) throws IOException {
        KernelWarmup.Workload inMode = warmup == null ? null : (t, stop) -> {
            t.activations(activations);
            warmup.run(t, stop);
        };
        LoadedModel m = LoadedModel.open(model, new VectorKernels(pool), latent, inMode);
        m.transformer().activations(activations);
        return m;
    }

    /** Windows the small model runs while a large GGUF loads ({@link KernelWarmup}); fewer if the load ends first. */
    static final int WARMUP_WINDOWS = 6;

    /** The warm-up of commands that score windows of ctx tokens of a text under the protocol (ppl, kld, logits). */
    static KernelWarmup.Workload windowsWarmup(int ctx, EvalWindow.Protocol protocol) {
        return PerplexityRun.warmup(ctx, protocol == EvalWindow.Protocol.LLAMA_CPP ? PerplexityProtocol.LLAMA_CPP : PerplexityProtocol.HF_WINDOWS,
                WARMUP_WINDOWS);
    }
}
