package dev.trit.engine.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.FormatException;
import dev.trit.formats.NpyReader;
import dev.trit.formats.NpzReader;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * transformers' {@code apply_chat_template(chat.json, add_generation_prompt=True)} (oracle
 * {@code tok-oracle.npz}: {@code <name>/chat_text}, {@code <name>/chat_ids}) for the five tokenizers'
 * own templates and the two replicas whose tokenizer_config.json carries another one.
 */
class ChatTemplateOracleTest {
    private static final String ORACLE = "oracle/tokenizers/tok-oracle.npz";

    /** Replicas rendered from their own tokenizer_config.json, with the tokenizer they use. */
    private static final Map<String, String> REPLICA_TOKENIZER = Map.of("bitnet-2b4t", "llama3", "llama32-bf16", "llama3_1");

    @TempDir
    Path tmp;

    /**
     * A model directory for the name: a tokenizer's own directory, or (replicas) the tokenizer.json
     * of the tokenizer it uses beside the replica's tokenizer_config.json and special_tokens_map.json.
     */
    private Path modelDir(String name) throws IOException {
        String tok = REPLICA_TOKENIZER.get(name);
        if (tok == null) return SharedFixtures.require("tokenizers/" + name);
        Path replica = SharedFixtures.require("replicas/" + name);
        Files.copy(SharedFixtures.require("tokenizers/" + tok + "/tokenizer.json"), tmp.resolve("tokenizer.json"));
        for (String f : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            if (Files.exists(replica.resolve(f))) Files.copy(replica.resolve(f), tmp.resolve(f));
        }
        return tmp;
    }

    static List<Map<String, Object>> chat() throws IOException {
        return new ObjectMapper().readValue(SharedFixtures.require("oracle/tokenizers/chat.json").toFile(),
                new TypeReference<List<Map<String, Object>>>() {
                });
    }

    /** llama32's template puts today's date in unless given one; the oracle passed this one. */
    private static Map<String, Object> kwargs(String name) {
        return name.equals("llama32-bf16") ? Map.of("date_string", "26 Jul 2024") : Map.of();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "bitnet-2b4t", "llama32-bf16"})
    void chatTextIsByteExact(String name) throws IOException {
        Map<String, NpyReader.NpyArray> oracle = SharedFixtures.npz(ORACLE);
        String expected = NpzReader.utf8(oracle.get(name + "/chat_text"));
        String rendered = ChatTemplate.forModelDir(modelDir(name)).renderMaps(chat(), true, kwargs(name));
        assertEquals(expected, rendered);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "qwen25", "gemma3", "bitnet-2b4t", "llama32-bf16"})
    void chatIdsAreExact(String name) throws IOException {
        Map<String, NpyReader.NpyArray> oracle = SharedFixtures.npz(ORACLE);
        int[] expected = NpzReader.ints(oracle.get(name + "/chat_ids"));
        Path dir = modelDir(name);
        String rendered = ChatTemplate.forModelDir(dir).renderMaps(chat(), true, kwargs(name));
        Tokenizer tokenizer = tokenizerOrKnownGap(dir, name);
        int[] ids = ChatTemplate.encode(tokenizer, rendered);
        assertArrayEquals(expected, ids, () -> "expected " + Arrays.toString(expected) + "\n but was " + Arrays.toString(ids));
    }

    /**
     * The tokenizer of dir. Two tokenizer.json features are not read yet (another branch makes those
     * paths exact): the NFC normalizer of qwen3/qwen25 and gemma3's byte-fallback BPE. Those three
     * cases are skipped, naming the gap, only while loading fails with exactly that message; once
     * the tokenizer reads them the ids are asserted like the others.
     */
    private static Tokenizer tokenizerOrKnownGap(Path dir, String name) throws IOException {
        try {
            return Tokenizers.forModelDir(dir);
        } catch (FormatException e) {
            String m = String.valueOf(e.getMessage());
            boolean gap = (name.startsWith("qwen") && m.contains("unsupported normalizer \"NFC\""))
                    || (name.equals("gemma3") && m.contains("byte_fallback"));
            Assumptions.assumeFalse(gap, "tokenizer gap, not a chat template one: " + m);
            throw e;
        }
    }
}
