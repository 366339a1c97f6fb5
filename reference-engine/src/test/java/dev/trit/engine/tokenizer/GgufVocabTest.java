package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp's own tokenizer test (test-tokenizer-0) on its vocab fixtures: the .inp file holds
 * strings separated by "\n__ggml_vocab_test__\n", the .out file one line of expected ids per
 * string; tokenized with add_special=false, parse_special=false.
 */
class GgufVocabTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "falcon"})
    void matchesLlamaCppTestTokenizer0(String name) throws IOException {
        Path gguf = Fixtures.ROOT.resolve("vocab/ggml-vocab-" + name + ".gguf");
        Tokenizer tok = Fixtures.ggufTokenizer(gguf);
        List<String> inputs = splitInputs(Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8));
        List<String> outputs = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        assertEquals(outputs.size(), inputs.size(), "test count");
        assertTrue(inputs.size() > 40);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String expected = outputs.get(i).strip();
            int[] got = tok.encode(inputs.get(i), false);
            String gotText = String.join(" ", Arrays.stream(got).mapToObj(Integer::toString).toList());
            if (!expected.equals(gotText)) {
                failures.add("[" + inputs.get(i).replace("\n", "\\n") + "] expected " + expected + " got " + gotText);
            }
        }
        assertEquals(List.of(), failures, name);
    }

    @Test
    void miniGgufTokenizerGivesTransformersIdsOnWikitext() throws IOException {
        // llama.cpp's converter copied tokenizer.model into the GGUF; llama.cpp's SPM encoder and
        // sentencepiece agree on this text (one dummy prefix, byte fallback), so the GGUF
        // tokenizer must reproduce transformers' ids from the oracle.
        Path gguf = Fixtures.ROOT.resolve("gguf/mini-bitnet-tq2_0.gguf");
        Tokenizer tok = Fixtures.ggufTokenizer(gguf);
        int[] ids = tok.encode(Fixtures.wikitextTest(), false);
        JsonNode o = Fixtures.json("oracle/wikitext-2-test/oracle-wt2test.json").get("mini-bitnet-fp16");
        int[] first = Fixtures.ints(o.get("first_ids"));
        assertArrayEquals(first, Arrays.copyOf(ids, first.length));
        assertEquals(o.get("n_tokens").asInt(), ids.length);
        JsonNode probe = Fixtures.json("oracle/mini-oracle.json").get("probe");
        assertArrayEquals(Fixtures.ints(probe.get("ids")), tok.encode(probe.get("text").asText(), true));
    }

    @Test
    void missingKeysAreAFormatError() {
        GgufVocab.Metadata empty = new GgufVocab.Metadata() {
            public java.util.Optional<String> string(String key) {
                return java.util.Optional.empty();
            }

            public java.util.OptionalLong integer(String key) {
                return java.util.OptionalLong.empty();
            }

            public java.util.Optional<List<String>> strings(String key) {
                return java.util.Optional.empty();
            }

            public java.util.Optional<float[]> floats(String key) {
                return java.util.Optional.empty();
            }

            public java.util.Optional<int[]> ints(String key) {
                return java.util.Optional.empty();
            }
        };
        Path p = Path.of("x.gguf");
        FormatException e = assertThrows(FormatException.class, () -> Tokenizers.forGgufMetadata(p, empty));
        assertTrue(e.getMessage().startsWith("x.gguf: tokenizer: no tokenizer.ggml.model"), e.getMessage());
    }

    /** test-tokenizer-0's read_tests: split on the separator; a trailing separator ends the list. */
    static List<String> splitInputs(String raw) {
        String sep = "\n__ggml_vocab_test__\n";
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(sep, pos);
            if (next < 0) {
                out.add(raw.substring(pos));
                break;
            }
            out.add(raw.substring(pos, next));
            pos = next + sep.length();
        }
        return out;
    }
}
