package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A runnable model with the tokenizer that goes with it, opened from a HF directory or a GGUF file. */
public record LoadedModel(Path path, Transformer transformer, Tokenizer tokenizer) implements AutoCloseable {
    /** Releases the model's mapped weights. */
    @Override
    public void close() {
        transformer.close();
    }


    public static LoadedModel open(Path path, Kernels kernels) throws IOException {
        return open(path, kernels, false);
    }

    /**
     * As {@link #open(Path, Kernels)}; with latent, a BitNet checkpoint that ternarizes latent float
     * weights at load keeps them float, its activations still int8 ({@link ModelLoader#loadLatent});
     * any other model is refused with a {@link FormatException}.
     */
    public static LoadedModel open(Path path, Kernels kernels, boolean latent) throws IOException {
        return open(path, kernels, latent, null);
    }

    /**
     * As {@link #open(Path, Kernels, boolean)}; a GGUF file runs the warm-up (if not null) while it loads
     * ({@link GgufModel#load(Path, Kernels, boolean, KernelWarmup.Workload)}).
     */
    public static LoadedModel open(Path path, Kernels kernels, boolean latent, KernelWarmup.Workload warmup) throws IOException {
        if (!Files.exists(path)) throw new FormatException(path, "no such file or directory");
        if (Files.isDirectory(path)) {
            Transformer t = HfModel.load(path, kernels, latent);
            try {
                return new LoadedModel(path, t, Tokenizers.forModelDir(path));
            } catch (IOException | RuntimeException e) {
                t.close();
                throw e;
            }
        }
        if (path.getFileName().toString().toLowerCase().endsWith(".gguf")) {
            return GgufModel.load(path, kernels, latent, warmup);
        }
        throw new FormatException(path, "not a Hugging Face model directory or a .gguf file");
    }

    public ModelSpec config() {
        return transformer.config();
    }
}
