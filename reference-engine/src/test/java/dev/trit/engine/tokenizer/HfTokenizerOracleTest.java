package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.NpyReader;
import dev.trit.formats.NpzReader;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tokenizer.json tokenizers of the replicas (../shared/fixtures/tokenizers/&lt;tok&gt;, loaded through
 * {@link Tokenizers#forModelDir}) against transformers 5.17 / tokenizers 0.23.2
 * (oracle/tokenizers/tok-oracle.npz): exact ids for the whole WikiText-2 test file and the stress text
 * (add_special_tokens False and True) and for llama.cpp's 46 SentencePiece test strings; decode of the
 * stress ids equal to transformers' decode; decode(encode(stress)) equal to the stress text where
 * transformers round-trips it.
 */
class HfTokenizerOracleTest {
    static final String ORACLE = "oracle/tokenizers/tok-oracle.npz";
    static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    static synchronized Tokenizer tok(String name) throws IOException {
        Tokenizer t = TOKENIZERS.get(name);
        if (t == null) {
            Path dir = SharedFixtures.require("tokenizers/" + name);
            long t0 = System.nanoTime();
            t = Tokenizers.forModelDir(dir);
            System.out.printf("%s: loaded in %.2f s%n", name, (System.nanoTime() - t0) / 1e9);
            TOKENIZERS.put(name, t);
        }
        return t;
    }

    static Map<String, NpyReader.NpyArray> oracle() throws IOException {
        return SharedFixtures.npz(ORACLE);
    }

    static String stress() throws IOException {
        return Files.readString(SharedFixtures.require("oracle/tokenizers/stress.txt"), StandardCharsets.UTF_8);
    }

    /** Fails with the first differing position and the ids around it. */
    static void assertIds(int[] expected, int[] actual, String what) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        int i = 0;
        while (i < Math.min(expected.length, actual.length) && expected[i] == actual[i]) {
            i++;
        }
        int from = Math.max(0, i - 5);
        fail(what + ": " + expected.length + " ids expected, " + actual.length + " got; first difference at " + i
                + ": expected ..." + Arrays.toString(Arrays.copyOfRange(expected, from, Math.min(expected.length, i + 8)))
                + " got ..." + Arrays.toString(Arrays.copyOfRange(actual, from, Math.min(actual.length, i + 8))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "llama2", "mistral"})
    void loadsAsTokenizerJson(String name) throws IOException {
        assertInstanceOf(HfTokenizer.class, tok(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "llama2", "mistral"})
    void wikitextIds(String name) throws IOException {
        Tokenizer t = tok(name);
        String text = Files.readString(SharedFixtures.require("../data/wikitext-2/test.txt"), StandardCharsets.UTF_8);
        int[] expected = NpzReader.ints(oracle().get(name + "/wt2"));
        long t0 = System.nanoTime();
        int[] ids = t.encode(text, false, true);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: wt2 %d ids in %.2f s%n", name, ids.length, secs);
        assertIds(expected, ids, name + " wt2");
        assertTrue(secs < 30, name + " took " + secs + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "llama2", "mistral"})
    void stressIds(String name) throws IOException {
        Tokenizer t = tok(name);
        assertIds(NpzReader.ints(oracle().get(name + "/stress")), t.encode(stress(), false, true), name + " stress");
        assertIds(NpzReader.ints(oracle().get(name + "/stress_special")), t.encode(stress(), true, true),
                name + " stress_special");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "llama2", "mistral"})
    void llamaCppStrings(String name) throws IOException {
        Tokenizer t = tok(name);
        JsonNode strings = new ObjectMapper().readTree(SharedFixtures.require("oracle/tokenizers/llamacpp-strings.json").toFile());
        StringBuilder bad = new StringBuilder();
        for (int i = 0; i < strings.size(); i++) {
            int[] expected = NpzReader.ints(oracle().get(String.format("%s/llamacpp/%02d", name, i)));
            int[] ids = t.encode(strings.get(i).asText(), false, true);
            if (!Arrays.equals(expected, ids)) {
                bad.append(String.format("%n  %02d %s: expected %s got %s", i, strings.get(i).toString(),
                        Arrays.toString(expected), Arrays.toString(ids)));
            }
        }
        assertEquals("", bad.toString(), name + " llama.cpp strings");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "llama2", "mistral"})
    void decoding(String name) throws IOException {
        Tokenizer t = tok(name);
        int[] ids = NpzReader.ints(oracle().get(name + "/stress"));
        assertEquals(NpzReader.utf8(oracle().get(name + "/stress_decoded")), t.decode(ids), name + " stress_decoded");
        boolean roundTrip = NpzReader.ints(oracle().get(name + "/decode_roundtrip"))[0] == 1;
        if (roundTrip) {
            assertEquals(stress(), t.decode(t.encode(stress(), false, true)), name + " round trip");
        }
    }
}
