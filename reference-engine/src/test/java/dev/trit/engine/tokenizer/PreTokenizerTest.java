package dev.trit.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pre-token boundaries where Java's regex defaults differ from Oniguruma (tokenizers) and
 * llama.cpp; expected pieces worked out by hand from the regex.
 */
class PreTokenizerTest {
    private final PreTokenizer llama3 = new PreTokenizer(List.of(PreTokenizer.LLAMA3));

    @Test
    void contractionsFoldCase() {
        assertEquals(List.of("I", "'M", " HERE", "'S", " ", "123", "45"), llama3.split("I'M HERE'S 12345"));
    }

    @Test
    void unicodeWhitespaceIsWhitespace() {
        // With ASCII-only \s the two no-break spaces would be one punctuation piece.
        assertEquals(List.of("a", "\u00a0", "\u00a0b"), llama3.split("a\u00a0\u00a0b"));
    }

    @Test
    void spacesBeforeNewlinesAndBeforeWords() {
        assertEquals(List.of("a", "  \n\n", " ", " b"), llama3.split("a  \n\n  b"));
        assertEquals(List.of("x", "   "), llama3.split("x   "));
    }

    @Test
    void lettersAndNumbersBeyondAscii() {
        // Arabic-Indic digits are \p{N}; a combining mark is neither L nor N.
        assertEquals(List.of("\u0663\u0664\u0665", " e", "\u0301"), llama3.split("\u0663\u0664\u0665 e\u0301"));
    }

    @Test
    void cascadeSplitsPiecesOfEarlierRegexes() {
        PreTokenizer falcon = new PreTokenizer(PreTokenizer.forGgufPre("falcon"));
        // punctuation first, then the GPT-2 rule (" 1234"), then digit triples cut " 1234"
        assertEquals(List.of("ab", " ", "123", "4", "!?"), falcon.split("ab 1234!?"));
    }
}
