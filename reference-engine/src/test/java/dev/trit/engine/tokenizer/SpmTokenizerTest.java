package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The mini models' SentencePiece BPE (tokenizer.model) against transformers' LlamaTokenizer ids. */
class SpmTokenizerTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tok = Tokenizers.forModelDir(Fixtures.hf("mini-bitnet-fp16"));
    }

    @Test
    void loadsTokenizerModel() {
        assertInstanceOf(SpmTokenizer.class, tok);
        assertEquals(4096, tok.vocabSize());
        assertEquals(1, tok.bos().getAsInt());
        assertEquals(2, tok.eos().getAsInt());
    }

    @Test
    void probeSentenceWithBos() {
        JsonNode probe = Fixtures.json("oracle/mini-oracle.json").get("probe");
        assertArrayEquals(Fixtures.ints(probe.get("ids")), tok.encode(probe.get("text").asText(), true));
    }

    @Test
    void wikitextMatchesTransformers() {
        String text = Fixtures.wikitextTest();
        int[] ids = tok.encode(text, false);
        JsonNode wt2 = Fixtures.json("oracle/wikitext-2-test/oracle-wt2test.json");
        for (String model : new String[] {"mini-bitnet-fp16", "mini-llama-f16"}) {
            JsonNode o = wt2.get(model);
            int[] first = Fixtures.ints(o.get("first_ids"));
            assertArrayEquals(first, Arrays.copyOf(ids, first.length), model);
            assertEquals(o.get("n_tokens").asInt(), ids.length, model);
        }
        assertEquals(text, tok.decode(ids));
    }
}
