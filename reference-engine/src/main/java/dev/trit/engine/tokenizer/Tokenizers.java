package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufValue;
import dev.trit.formats.GgufValueType;
import dev.trit.formats.TokenizerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** Finds and loads the tokenizer of a model. */
public final class Tokenizers {
    /** transformers classes backed by a SentencePiece tokenizer.model. */
    private static final Set<String> SENTENCEPIECE_CLASSES =
            Set.of("LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast");

    private Tokenizers() {
    }

    /**
     * The tokenizer of a Hugging Face model directory. A SentencePiece {@code tokenizer.model} is
     * used when tokenizer_config.json names a Llama SentencePiece class or when there is no
     * tokenizer.json; otherwise {@code tokenizer.json}, run as transformers runs it for the
     * tokenizer_config.json's class (see {@link HfTokenizerJson}).
     */
    public static Tokenizer forModelDir(Path dir) throws IOException {
        Path configFile = dir.resolve("tokenizer_config.json");
        TokenizerConfig cfg = Files.exists(configFile) ? TokenizerConfig.read(configFile)
                : TokenizerConfig.parse(configFile, new ObjectMapper().createObjectNode());
        Path json = dir.resolve("tokenizer.json");
        Path model = dir.resolve("tokenizer.model");
        boolean spmClass = cfg.tokenizerClass().map(SENTENCEPIECE_CLASSES::contains).orElse(false);
        if (Files.exists(model) && (spmClass || !Files.exists(json))) {
            // LlamaTokenizer adds BOS unless add_bos_token says otherwise
            return SentencePieceModel.read(model).tokenizer(cfg.addBosToken().orElse(true));
        }
        if (Files.exists(json)) {
            return HfTokenizerJson.read(json, cfg);
        }
        throw new FormatException(dir, "no tokenizer.json or tokenizer.model");
    }

    /**
     * The tokenizer described by a GGUF file's {@code tokenizer.ggml.*} metadata, encoding as
     * llama.cpp does. Missing or malformed keys give a FormatException naming the file.
     */
    public static Tokenizer forGgufMetadata(Path file, GgufVocab.Metadata metadata) throws FormatException {
        try {
            return GgufVocab.tokenizer(metadata);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new FormatException(file, "tokenizer: " + e.getMessage(), e);
        }
    }

    /** The tokenizer of a GGUF file, encoding as llama.cpp does. */
    public static Tokenizer forGguf(GgufFile gguf) throws FormatException {
        GgufVocab.Metadata md = new GgufVocab.Metadata() {
            @Override
            public Optional<String> string(String key) {
                return gguf.string(key);
            }

            @Override
            public OptionalLong integer(String key) {
                Optional<GgufValue> v = gguf.value(key);
                if (v.isPresent() && v.get().type() == GgufValueType.BOOL) {
                    return OptionalLong.of(gguf.bool(key).orElseThrow() ? 1 : 0);
                }
                return gguf.integer(key);
            }

            @Override
            public Optional<List<String>> strings(String key) {
                return gguf.value(key).map(v -> gguf.stringArray(key));
            }

            @Override
            public Optional<float[]> floats(String key) {
                return gguf.value(key).map(v -> gguf.floatArray(key));
            }

            @Override
            public Optional<int[]> ints(String key) {
                return gguf.value(key).map(v -> gguf.intArray(key));
            }
        };
        return forGgufMetadata(gguf.path(), md);
    }
}
