package dev.trit.engine.eval.lmeval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The window layout of lm-evaluation-harness's loglikelihood_rolling: {@code lm_eval/utils.py}
 * {@code get_rolling_token_windows(tokens, prefix, max_seq_len, context_len=1)} then
 * {@code make_disjoint_window}. Expected layouts from running those two functions (commit 4e7e0d47) on
 * {@code list(range(n))}.
 */
class RollingWindowsTest {
    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    @Test
    void documentLongerThanMaxLength() {
        // harness: [(1, [-1], 256 preds 0..255), (ctx [255], preds 256..511), (ctx 343..511 = 169 tokens, preds 512..599 = 88)]
        List<RollingWindows.Window> w = RollingWindows.of(range(0, 600), -1, 256);
        assertEquals(3, w.size());
        assertArrayEquals(new int[]{-1}, w.get(0).context());
        assertArrayEquals(range(0, 256), w.get(0).continuation());
        assertEquals(0, w.get(0).firstTarget());
        assertArrayEquals(new int[]{255}, w.get(1).context());
        assertArrayEquals(range(256, 512), w.get(1).continuation());
        assertEquals(256, w.get(1).firstTarget());
        assertArrayEquals(range(343, 512), w.get(2).context());
        assertArrayEquals(range(512, 600), w.get(2).continuation());
        assertEquals(512, w.get(2).firstTarget());
        // every model call reads max_length tokens: the prefix + 255, then 256 tokens of the document each time
        int[] first = new int[256];
        first[0] = -1;
        System.arraycopy(range(0, 255), 0, first, 1, 255);
        assertArrayEquals(first, w.get(0).input());
        assertArrayEquals(range(255, 511), w.get(1).input());
        assertArrayEquals(range(343, 599), w.get(2).input());
    }

    @Test
    void harnessUnitTestLayout() {
        // lm-evaluation-harness tests/test_utils.py test_get_rolling_token_windows_v1: 34 tokens, prefix -100,
        // max_seq_len 10, context_len 1, before make_disjoint_window; after it the contexts are the
        // first len(a) - (len(b) - 1) tokens of those inputs
        List<RollingWindows.Window> w = RollingWindows.of(range(0, 34), -100, 10);
        assertEquals(4, w.size());
        assertArrayEquals(new int[]{-100, 0, 1, 2, 3, 4, 5, 6, 7, 8}, w.get(0).input());
        assertArrayEquals(range(0, 10), w.get(0).continuation());
        assertArrayEquals(range(9, 19), w.get(1).input());
        assertArrayEquals(range(10, 20), w.get(1).continuation());
        assertArrayEquals(range(19, 29), w.get(2).input());
        assertArrayEquals(range(23, 33), w.get(3).input());
        assertArrayEquals(range(30, 34), w.get(3).continuation());
        assertArrayEquals(range(23, 30), w.get(3).context());
    }

    @Test
    void shortAndEmptyDocuments() {
        List<RollingWindows.Window> w = RollingWindows.of(range(0, 5), 7, 256);
        assertEquals(1, w.size());
        assertArrayEquals(new int[]{7, 0, 1, 2, 3}, w.get(0).input());
        assertArrayEquals(range(0, 5), w.get(0).continuation());
        assertTrue(RollingWindows.of(new int[0], 7, 256).isEmpty());
        // exactly max_length tokens: one window; one more: a second window of one prediction, 256 tokens of context
        assertEquals(1, RollingWindows.of(range(0, 256), 7, 256).size());
        List<RollingWindows.Window> two = RollingWindows.of(range(0, 257), 7, 256);
        assertEquals(2, two.size());
        assertArrayEquals(range(0, 256), two.get(1).context());
        assertArrayEquals(new int[]{256}, two.get(1).continuation());
    }

    @Test
    void everyTokenPredictedOnce() {
        for (int n : new int[]{1, 99, 100, 101, 1000, 1234}) {
            int[] seen = new int[n];
            for (RollingWindows.Window w : RollingWindows.of(range(0, n), -1, 100)) {
                assertTrue(w.input().length <= 100);
                for (int j = 0; j < w.continuation().length; j++) seen[w.firstTarget() + j]++;
                assertEquals(w.firstTarget(), w.continuation()[0]);
            }
            for (int s : seen) assertEquals(1, s);
        }
    }
}
