package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The demo models' byte-level BPE (Llama-3 split regex) against transformers' ids. */
class HfBpeTokenizerTest {
    static Tokenizer tok;
    static JsonNode wt2;

    @BeforeAll
    static void load() throws Exception {
        tok = Tokenizers.forModelDir(Fixtures.hf("demo-bitnet-packed"));
        wt2 = Fixtures.json("oracle/wikitext-2-test/oracle-wt2test.json");
    }

    @Test
    void probeSentenceWithBos() {
        JsonNode probe = Fixtures.json("oracle/demo-oracle.json").get("probe");
        int[] expected = Fixtures.ints(probe.get("ids"));
        assertArrayEquals(expected, tok.encode(probe.get("text").asText(), true));
        assertEquals(0, tok.bos().getAsInt());
    }

    @Test
    void wikitextMatchesTransformers() {
        String text = Fixtures.wikitextTest();
        int[] ids = tok.encode(text, false);
        for (String model : new String[] {"demo-bitnet-packed", "demo-bitnet-bf16", "demo-llama-f16"}) {
            JsonNode o = wt2.get(model);
            int[] first = Fixtures.ints(o.get("first_ids"));
            assertArrayEquals(first, Arrays.copyOf(ids, first.length), model);
            assertEquals(o.get("n_tokens").asInt(), ids.length, model);
        }
        assertEquals(text, tok.decode(ids));
    }
}
