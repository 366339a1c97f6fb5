package dev.trit.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Special-token text in the input: plain text by default (llama-perplexity, the oracle runs);
 * the token itself with parseSpecial (tokenizers' default, llama.cpp parse_special), where the
 * SentencePiece text after it gets its own dummy prefix (llama.cpp; transformers' legacy Llama).
 */
class SpecialTokenTextTest {

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void byteLevelBpe() throws IOException {
        Tokenizer t = Tokenizers.forModelDir(Fixtures.hf("demo-bitnet-packed"));
        String s = "Hello<|end_of_text|>";
        assertArrayEquals(concat(t.encode("Hello", false), new int[] {1}), t.encode(s, false, true));
        int[] plain = t.encode(s, false);
        assertFalse(IntStream.of(plain).anyMatch(id -> id == 1));
        assertEquals(s, t.decode(plain));
    }

    @Test
    void sentencePieceFromTokenizerModel() throws IOException {
        Tokenizer t = Tokenizers.forModelDir(Fixtures.hf("mini-bitnet-fp16"));
        assertArrayEquals(concat(new int[] {1}, t.encode("Hello", false)), t.encode("<s>Hello", false, true));
        assertFalse(IntStream.of(t.encode("<s>Hello", false)).anyMatch(id -> id == 1));
    }

    @Test
    void sentencePieceFromGguf() throws IOException {
        var gguf = Fixtures.ROOT.resolve("vocab/ggml-vocab-llama-spm.gguf");
        Tokenizer t = Fixtures.ggufTokenizer(gguf);
        assertArrayEquals(concat(t.encode("a", false), new int[] {2}, t.encode("b", false)),
                t.encode("a</s>b", false, true));
    }
}
