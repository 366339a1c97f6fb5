package dev.trit.engine.tokenizer;

import dev.trit.formats.FormatException;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tokenizer.json components on small hand-checked inputs, and refusals of what is not implemented. */
class HfPipelineTest {

    static List<String> split(String s, String pattern, HfPipeline.Behavior b, boolean invert) {
        List<HfPipeline.Pt> out = new ArrayList<>();
        HfPipeline.split(new HfPipeline.Pt(s, true), Pattern.compile(Pattern.quote(pattern)), b, invert, out);
        return out.stream().map(HfPipeline.Pt::text).toList();
    }

    @Test
    void splitBehaviours() {
        // tokenizers' own examples: "the-final--countdown" split on "-"
        String s = "the-final--countdown";
        assertEquals(List.of("the", "final", "countdown"), split(s, "-", HfPipeline.Behavior.REMOVED, false));
        assertEquals(List.of("the", "-", "final", "-", "-", "countdown"), split(s, "-", HfPipeline.Behavior.ISOLATED, false));
        assertEquals(List.of("the-", "final-", "-", "countdown"), split(s, "-", HfPipeline.Behavior.MERGED_WITH_PREVIOUS, false));
        assertEquals(List.of("the", "-final", "-", "-countdown"), split(s, "-", HfPipeline.Behavior.MERGED_WITH_NEXT, false));
        assertEquals(List.of("the", "-", "final", "--", "countdown"), split(s, "-", HfPipeline.Behavior.CONTIGUOUS, false));
        assertEquals(List.of("-", "-", "-"), split(s, "-", HfPipeline.Behavior.REMOVED, true));
    }

    @Test
    void addedTokenFlags() {
        AddedTokens t = new AddedTokens(List.of(
                new AddedTokens.Token("<L>", 1, true, false, true, false, false),
                new AddedTokens.Token("<R>", 2, true, false, false, true, false),
                new AddedTokens.Token("w", 3, false, true, false, false, false),
                new AddedTokens.Token("<LONG>", 4, false, false, false, false, false),
                new AddedTokens.Token("<LO", 5, false, false, false, false, false)));
        List<String> pieces = t.split("a  <L>b<R>  c w x wy <LONG>", true).stream()
                .map(p -> p.token() == null ? "[" + p.text() + "]" : p.token().id() + ":" + p.text()).toList();
        // lstrip takes the spaces before <L>, rstrip those after <R>; "w" only as a whole word; longest match
        assertEquals(List.of("[a]", "1:  <L>", "[b]", "2:<R>  ", "[c ]", "3:w", "[ x wy ]", "4:<LONG>"), pieces);
        // special tokens left as text when not parsed; the matcher still skips over them
        assertEquals(List.of("a<L>b"), t.split("a<L>b", false).stream().map(AddedTokens.Piece::text).toList());
    }

    @Test
    void byteFallbackAndUnknowns() {
        Map<String, Integer> vocab = new java.util.HashMap<>(Map.of("<unk>", 0, "a", 1, "b", 2, "ab", 3));
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), 10 + b);
        }
        BpeModel fallback = new BpeModel(vocab, List.<String[]>of(new String[] {"a", "b"}), "<unk>", true, true, false);
        // "é" is C3 A9 in UTF-8
        assertArrayEquals(new int[] {3, 10 + 0xC3, 10 + 0xA9, 1}, fallback.encodeWord("abéa"));
        BpeModel fused = new BpeModel(vocab, List.<String[]>of(new String[] {"a", "b"}), "<unk>", true, false, false);
        assertArrayEquals(new int[] {3, 0, 1}, fused.encodeWord("abxya"));
        BpeModel unfused = new BpeModel(vocab, List.<String[]>of(new String[] {"a", "b"}), "<unk>", false, false, false);
        assertArrayEquals(new int[] {3, 0, 0, 1}, unfused.encodeWord("abxya"));
        BpeModel none = new BpeModel(vocab, List.<String[]>of(new String[] {"a", "b"}), null, false, false, false);
        assertArrayEquals(new int[] {3, 1}, none.encodeWord("abxya"));
    }

    @Test
    void decoders() {
        HfPipeline.Dec d = HfPipeline.decoder(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(Map.of(
                "type", "Sequence", "decoders", List.of(
                        Map.of("type", "Replace", "pattern", Map.of("String", "\u2581"), "content", " "),
                        Map.of("type", "ByteFallback"), Map.of("type", "Fuse"),
                        Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0)))));
        // <0xC3><0xA9> is "é"; a lone <0xC3> is one replacement character per byte
        assertEquals("héllo w\uFFFDx", String.join("", d.apply(List.of("\u2581h", "<0xC3>", "<0xA9>", "llo", "\u2581w", "<0xC3>", "x"))));
        HfPipeline.Dec meta = HfPipeline.decoder(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(Map.of(
                "type", "Metaspace", "replacement", "\u2581", "prepend_scheme", "always", "split", true)));
        assertEquals(List.of("Hey", " friend"), meta.apply(List.of("\u2581Hey", "\u2581friend")));
    }

    static void writeTokenizer(Path dir, String normalizer, String pre, String decoder, String post, String model)
            throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"added_tokens":[{"id":3,"content":"<s>","special":true,"normalized":false}],
                 "normalizer":%s, "pre_tokenizer":%s, "decoder":%s, "post_processor":%s,
                 "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"<s>":3},"merges":["a b"]%s}}"""
                .formatted(normalizer, pre, decoder, post, model));
    }

    static String refusal(Path dir, String normalizer, String pre, String decoder, String post, String model)
            throws IOException {
        writeTokenizer(dir, normalizer, pre, decoder, post, model);
        FormatException e = assertThrows(FormatException.class, () -> Tokenizers.forModelDir(dir));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void refusesWhatItDoesNotImplement(@TempDir Path dir) throws IOException {
        writeTokenizer(dir, "null", "null", "null", "null", "");
        assertArrayEquals(new int[] {2, 3, 0}, Tokenizers.forModelDir(dir).encode("ab<s>a", false, true));
        assertTrue(refusal(dir, "{\"type\":\"BertNormalizer\"}", "null", "null", "null", "").contains("BertNormalizer"));
        assertTrue(refusal(dir, "null", "{\"type\":\"Punctuation\"}", "null", "null", "").contains("Punctuation"));
        assertTrue(refusal(dir, "null", "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"Sideways\"}",
                "null", "null", "").contains("Sideways"));
        assertTrue(refusal(dir, "null", "{\"type\":\"Metaspace\",\"replacement\":\"_\",\"prepend_scheme\":\"sometimes\"}",
                "null", "null", "").contains("sometimes"));
        assertTrue(refusal(dir, "null", "null", "{\"type\":\"WordPiece\"}", "null", "").contains("WordPiece"));
        assertTrue(refusal(dir, "null", "null", "null", "{\"type\":\"Mystery\"}", "").contains("Mystery"));
        assertTrue(refusal(dir, "null", "null", "null", "null", ",\"dropout\":0.1").contains("dropout"));
        assertTrue(refusal(dir, "null", "null", "null", "null", ",\"continuing_subword_prefix\":\"##\"")
                .contains("continuing_subword_prefix"));
        assertTrue(refusal(dir, "null", "null", "null", "null", ",\"byte_fallback\":true").contains("byte_fallback"));
    }

    @Test
    void robertaPostProcessorAndPrepend(@TempDir Path dir) throws IOException {
        writeTokenizer(dir, "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"a\"},{\"type\":\"NFC\"}]}",
                "null", "null", "{\"type\":\"RobertaProcessing\",\"sep\":[\"b\",1],\"cls\":[\"<s>\",3]}", "");
        Tokenizer t = Tokenizers.forModelDir(dir);
        assertArrayEquals(new int[] {3, 2, 1}, t.encode("b", true, true));
        assertArrayEquals(new int[] {2}, t.encode("b", false, true));
        assertEquals(3, t.bos().getAsInt());
    }

    /**
     * transformers 5's LlamaTokenizer replaces the file's Prepend + Replace normalizer by a Metaspace
     * pre-tokenizer: " Hello" keeps one "▁" (sentencepiece and the file's own pipeline give two), and
     * with legacy false text after a special token gets no "▁" in front.
     */
    @Test
    void llamaTokenizerClassPipeline(@TempDir Path dir) throws IOException {
        Path src = SharedFixtures.require("tokenizers/llama2");
        Tokenizer asFile = HfTokenizerJson.read(src.resolve("tokenizer.json"), "<s>", "</s>");
        Tokenizer asClass = Tokenizers.forModelDir(src);
        assertArrayEquals(new int[] {29871, 15043}, asFile.encode(" Hello", false, true));
        assertArrayEquals(new int[] {15043}, asClass.encode(" Hello", false, true));
        assertArrayEquals(new int[] {1, 15043}, asClass.encode("Hello", true, true));
        assertArrayEquals(new int[] {1, 15043}, asClass.encode("<s>Hello", false, true)); // legacy: "always"

        Files.copy(src.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"tokenizer_class":"LlamaTokenizer","legacy":false,"bos_token":"<s>","eos_token":"</s>",
                 "add_bos_token":false,"add_eos_token":true}""");
        Tokenizer first = Tokenizers.forModelDir(dir);
        int[] ids = first.encode("<s>Hello", false, true);
        assertEquals(1, ids[0]);
        assertFalse(first.token(ids[1]).startsWith("\u2581"), first.token(ids[1]));
        assertArrayEquals(new int[] {15043, 2}, first.encode("Hello", true, true));
    }
}
