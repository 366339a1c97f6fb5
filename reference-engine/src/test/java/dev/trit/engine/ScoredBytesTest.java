package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The scored text's bytes behind bits_per_byte of the window protocols. */
class ScoredBytesTest {
    /** A decoder like SentencePiece's: token i is " w" + i, and the first piece of a decode loses its space. */
    private static final Function<int[], String> DECODE = ids -> {
        StringBuilder b = new StringBuilder();
        for (int id : ids) b.append(" w").append(id);
        return b.length() > 0 ? b.substring(1) : "";
    };

    @Test
    void hfWindowsCountEveryTokenOnceWithItsSpace() {
        int[] ids = {1, 2, 3, 4, 5, 6, 7};
        // ctx 4: windows of 3 tokens, [0,3) and [3,6); the text of tokens 0..5 is "w1 w2 w3 w4 w5 w6" = 17 bytes
        long bytes = PerplexityRun.scoredBytes(ids, DECODE, 2, w -> new int[]{w * 3, w * 3 + 3});
        assertEquals("w1 w2 w3 w4 w5 w6".length(), bytes);
    }

    @Test
    void llamaCppScoresSecondHalves() {
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8};
        // ctx 4: chunks [0,4) and [4,8), scored tokens 3 and 7: " w4" and " w8", 3 bytes each
        long bytes = PerplexityRun.scoredBytes(ids, DECODE, 2, w -> new int[]{w * 4 + 3, w * 4 + 4});
        assertEquals(6, bytes);
    }
}
