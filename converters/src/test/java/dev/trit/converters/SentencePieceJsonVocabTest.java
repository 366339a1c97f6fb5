package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.GgufArray;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufValue;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Llama-2 tokenizer.json (BPE with byte_fallback, no tokenizer.model; the trilm-f16 replica's) as
 * GGUF's SentencePiece ("llama") vocabulary, against llama.cpp's own Llama-2 vocabulary file
 * (ggml-vocab-llama-spm.gguf, converted from Meta's tokenizer.model).
 */
class SentencePieceJsonVocabTest {
    @Test
    void llama2TokenizerJsonMatchesLlamaCppsLlamaVocabulary() throws Exception {
        Path dir = SharedFixtures.replica("trilm-f16");
        Map<String, GgufValue> got;
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            got = HfTokenizer.ggufMetadata(dir, ck.config(), ck.tokenizerConfig());
        }
        try (GgufFile ref = GgufFile.open(LlamaCppFixtureTest.fixture("vocab/ggml-vocab-llama-spm.gguf"))) {
            Map<String, GgufValue> want = ref.metadata();
            assertEquals("llama", got.get("tokenizer.ggml.model").asString());
            assertEquals("default", got.get("tokenizer.ggml.pre").asString());
            assertFalse(got.containsKey("tokenizer.ggml.merges"));
            assertEquals(want.get("tokenizer.ggml.tokens").asArray().strings(), got.get("tokenizer.ggml.tokens").asArray().strings());
            GgufArray wt = want.get("tokenizer.ggml.token_type").asArray(), gt = got.get("tokenizer.ggml.token_type").asArray();
            assertEquals(wt.size(), gt.size());
            for (int i = 0; i < wt.size(); i++) assertEquals(wt.integer(i), gt.integer(i), "token type of " + i);
            for (String k : new String[] {"bos_token_id", "eos_token_id", "unknown_token_id"}) {
                assertEquals(want.get("tokenizer.ggml." + k).asLong(), got.get("tokenizer.ggml." + k).asLong(), k);
            }
            assertTrue(got.get("tokenizer.ggml.add_bos_token").asBoolean());
            assertFalse(got.get("tokenizer.ggml.add_eos_token").asBoolean());

            // Scores: sentencepiece's are -(id - 259) for Llama 2 (ids follow its scores), and -1e9 for
            // "▁▁" (259, the last merge). trit's are minus the rank of the first merge making a token
            // in tokenizer.json (1-based): the values differ (a token has several merges), the order
            // is sentencepiece's for all but a few neighbours, and "▁▁" is still below every merged token.
            GgufArray ws = want.get("tokenizer.ggml.scores").asArray(), gs = got.get("tokenizer.ggml.scores").asArray();
            for (int i = 0; i < 259; i++) assertEquals(0.0, gs.real(i), "byte/control " + i);
            assertEquals(-1.0, gs.real(260), "▁t is the first merge");
            int agree = 0, pairs = 0;
            for (int i = 260; i + 1 < ws.size(); i++) {
                pairs++;
                if (Double.compare(ws.real(i), ws.real(i + 1)) == Double.compare(gs.real(i), gs.real(i + 1))) agree++;
            }
            System.out.println(agree + " of " + pairs + " neighbouring scores ordered as sentencepiece's");
            assertTrue(agree > 0.995 * pairs, agree + " of " + pairs + " neighbours ordered as sentencepiece orders them");
            // ▁▁ (rank 61249 of 61249 merges) below every other merged token, above the single characters
            for (int i = 260; i < ws.size(); i++) {
                if (gs.real(i) >= -61249) assertTrue(gs.real(i) > gs.real(259), "merged token " + i);
                else assertTrue(gs.real(i) < gs.real(259), "single character " + i);
            }
            assertEquals(-61249.0, gs.real(259));
        }
    }
}
