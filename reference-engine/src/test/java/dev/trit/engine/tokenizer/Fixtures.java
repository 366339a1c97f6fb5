package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.GgufFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths and oracle values from the bundled fixtures. */
final class Fixtures {
    static final Path ROOT = Path.of(System.getProperty("trit.root"), "fixtures");

    private Fixtures() {
    }

    static Path hf(String model) {
        return ROOT.resolve("hf").resolve(model);
    }

    static JsonNode json(String relative) {
        try {
            return new ObjectMapper().readTree(ROOT.resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String wikitextTest() {
        try {
            return Files.readString(ROOT.resolve("data/wikitext-2/test.txt"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokenizer of a GGUF file, read with the real GGUF reader. */
    static Tokenizer ggufTokenizer(Path gguf) throws IOException {
        try (GgufFile f = GgufFile.open(gguf)) {
            return Tokenizers.forGguf(f);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
