package dev.trit.engine.tokenizer;

import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choice of tokenizer file, hand-checked small vocabularies, and clear errors on bad files. */
class TokenizerFilesTest {

    @Test
    void miniTokenizerJsonIsAStubAndIsRefused() {
        // transformers 5 saved the mini models' tokenizer.json with a 3-token vocabulary and no
        // merges: it cannot give LlamaTokenizer's ids, so the factory uses tokenizer.model.
        Path json = Fixtures.hf("mini-bitnet-fp16").resolve("tokenizer.json");
        FormatException e = assertThrows(FormatException.class, () -> HfTokenizerJson.read(json, "<s>", "</s>"));
        assertTrue(e.getMessage().startsWith(json.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void stringFormMergesAndTemplateBos(@TempDir Path dir) throws IOException {
        // byte-level vocabulary: "Ġ" is the space byte. Merges (rank order): a b, Ġ ab.
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"added_tokens":[{"id":5,"content":"<s>","special":true}],
                 "normalizer":null,
                 "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
                 "decoder":{"type":"ByteLevel"},
                 "post_processor":{"type":"TemplateProcessing",
                   "single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
                   "special_tokens":{"<s>":{"id":"<s>","ids":[5],"tokens":["<s>"]}}},
                 "model":{"type":"BPE","vocab":{"a":0,"b":1,"Ġ":2,"ab":3,"Ġab":4},
                          "merges":["a b","Ġ ab"]}}""");
        Tokenizer t = Tokenizers.forModelDir(dir);
        // "ab ab<s>b": GPT-2 split gives "ab", " ab", then <s> is atomic, then "b"
        assertArrayEquals(new int[] {5, 3, 4, 5, 1}, t.encode("ab ab<s>b", true, true));
        assertArrayEquals(new int[] {3, 4}, t.encode("ab ab", false));
        assertEquals("ab ab<s>b", t.decode(new int[] {3, 4, 5, 1}));
        assertEquals(5, t.bos().getAsInt());
    }

    @Test
    void truncatedSentencePieceModel(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.hf("mini-bitnet-fp16").resolve("tokenizer.model"));
        Path cut = dir.resolve("tokenizer.model");
        Files.write(cut, Arrays.copyOf(full, full.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> SentencePieceModel.read(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }

    @Test
    void garbageFiles(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("tokenizer.model");
        Files.write(model, new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        assertThrows(FormatException.class, () -> SentencePieceModel.read(model));
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"Unigram\"}}", StandardCharsets.UTF_8);
        FormatException e = assertThrows(FormatException.class, () -> HfTokenizerJson.read(json, null, null));
        assertTrue(e.getMessage().contains("Unigram"), e.getMessage());
        Files.writeString(json, "{\"model\": ", StandardCharsets.UTF_8);
        assertThrows(FormatException.class, () -> HfTokenizerJson.read(json, null, null));
        assertThrows(FormatException.class, () -> Tokenizers.forModelDir(dir.resolve("nowhere")));
    }
}
