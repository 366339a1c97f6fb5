package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds and loads the tokenizer of a model. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer of a Hugging Face model directory. A SentencePiece {@code tokenizer.model} is
     * used when tokenizer_config.json names a slow SentencePiece class (LlamaTokenizer and
     * friends) or when there is no tokenizer.json; otherwise the byte-level BPE tokenizer.json.
     */
    public static Tokenizer forModelDir(Path dir) throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        JsonNode cfg = Files.exists(config) ? readJson(config) : new ObjectMapper().createObjectNode();
        String bos = tokenText(cfg.path("bos_token"));
        String eos = tokenText(cfg.path("eos_token"));
        String cls = cfg.path("tokenizer_class").asText("");
        Path json = dir.resolve("tokenizer.json");
        Path model = dir.resolve("tokenizer.model");
        boolean spmClass = cls.equals("LlamaTokenizer") || cls.equals("LlamaTokenizerFast")
                || cls.equals("CodeLlamaTokenizer") || cls.equals("GemmaTokenizer");
        if (Files.exists(model) && (spmClass || !Files.exists(json))) {
            boolean addBos = cfg.path("add_bos_token").asBoolean(true);
            return SentencePieceModel.read(model).tokenizer(addBos);
        }
        if (Files.exists(json)) {
            return HfTokenizerJson.read(json, bos, eos);
        }
        throw new FormatException(dir, "no tokenizer.json or tokenizer.model");
    }

    private static JsonNode readJson(Path p) throws IOException {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new FormatException(p, "not valid JSON", e);
        }
    }

    /** bos_token / eos_token are a string or an AddedToken object with "content". */
    private static String tokenText(JsonNode n) {
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isObject() && n.path("content").isTextual()) {
            return n.get("content").asText();
        }
        return null;
    }
}
