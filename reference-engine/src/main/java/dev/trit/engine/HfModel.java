package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.FormatException;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.family.Families;
import java.io.IOException;
import java.nio.file.Path;

/** Loads a Hugging Face model directory (config.json + safetensors) into a runnable {@link Transformer}. */
public final class HfModel {
    private HfModel() {
    }

    /**
     * Reads the config and every weight. Float weights stay in the mapped files in their stored
     * precision (the files stay mapped until the model is closed), ternary weights are packed 2 bits
     * each on the heap.
     *
     * @throws FormatException naming the file and the cause for unsupported or inconsistent checkpoints
     */
    public static Transformer load(Path dir, Kernels kernels) throws IOException {
        return load(dir, kernels, false);
    }

    /** As {@link #load(Path, Kernels)}; with latent, an online BitNet checkpoint's latent weights stay float ({@link ModelLoader#loadLatent}). */
    public static Transformer load(Path dir, Kernels kernels, boolean latent) throws IOException {
        HfCheckpoint ckpt = HfCheckpoint.open(dir);
        try {
            ModelSpec config;
            try {
                config = Families.spec(ckpt.config());
            } catch (IllegalArgumentException e) {
                throw new FormatException(dir.resolve("config.json"), e.getMessage());
            }
            try {
                return latent ? ModelLoader.loadLatent(config, WeightSource.of(ckpt.weights()), kernels, ckpt)
                        : ModelLoader.load(config, WeightSource.of(ckpt.weights()), kernels, ckpt);
            } catch (IllegalArgumentException e) {
                throw new FormatException(ckpt.weights().path(), e.getMessage());
            }
        } catch (Throwable t) {
            ckpt.close();
            throw t;
        }
    }
}
