package dev.trit.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face model directory opened as a whole: its config, its tokenizer config (if present)
 * and its weights ({@code model.safetensors}, or the index and its shards).
 */
public record HfCheckpoint(Path dir, HfConfig config, Optional<TokenizerConfig> tokenizerConfig, TensorFile weights)
        implements AutoCloseable {

    public static HfCheckpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new FormatException(dir, "not a directory");
        HfConfig config = HfConfig.read(dir.resolve("config.json"));
        Path tc = dir.resolve("tokenizer_config.json");
        Optional<TokenizerConfig> tok = Files.isRegularFile(tc) ? Optional.of(TokenizerConfig.read(tc)) : Optional.empty();
        return new HfCheckpoint(dir, config, tok, ShardedSafetensors.openModelDir(dir));
    }

    @Override
    public void close() {
        weights.close();
    }
}
