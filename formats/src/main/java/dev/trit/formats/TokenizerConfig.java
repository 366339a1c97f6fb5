package dev.trit.formats;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The parts of a Hugging Face {@code tokenizer_config.json} the tokenizers need. Special tokens may
 * be written as plain strings or as added-token objects {@code {"content": ...}}. Absent flags stay
 * empty: their default depends on the tokenizer class, which is the caller's to decide.
 */
public record TokenizerConfig(
        Optional<String> bosToken,
        Optional<String> eosToken,
        Optional<String> unkToken,
        Optional<String> padToken,
        Optional<Boolean> addBosToken,
        Optional<Boolean> addEosToken,
        Optional<String> tokenizerClass,
        Optional<Boolean> legacy,
        JsonNode raw) {

    /** Reads {@code tokenizer_config.json} (the file itself, or a model directory holding it). */
    public static TokenizerConfig read(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve("tokenizer_config.json") : fileOrDir;
        return parse(file, JsonFiles.readObject(file));
    }

    public static TokenizerConfig parse(Path file, JsonNode root) throws FormatException {
        HfConfig.Keys k = new HfConfig.Keys(file, root);
        return new TokenizerConfig(token(k, root, "bos_token"), token(k, root, "eos_token"), token(k, root, "unk_token"),
                token(k, root, "pad_token"), k.bool("add_bos_token"), k.bool("add_eos_token"), k.string("tokenizer_class"),
                k.bool("legacy"), root);
    }

    private static Optional<String> token(HfConfig.Keys k, JsonNode root, String key) throws FormatException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return Optional.empty();
        if (v.isTextual()) return Optional.of(v.textValue());
        if (v.isObject()) {
            JsonNode c = v.get("content");
            if (c != null && c.isTextual()) return Optional.of(c.textValue());
        }
        throw k.wrongType(key, v, "a string or an object with a string \"content\"");
    }
}
