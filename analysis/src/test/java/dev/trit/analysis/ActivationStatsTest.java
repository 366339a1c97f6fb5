package dev.trit.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.engine.LinearInputObserver.Projection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The definitions of {@link ActivationStats} on inputs small enough to work out by hand. */
class ActivationStatsTest {
    /** One layer's seven linears and lm_head, each fed x (tokens rows of cols). */
    private static List<LinearActivations> feed(float[] x, int tokens, int cols, int windows) {
        ActivationStats s = new ActivationStats();
        for (int w = 0; w < windows; w++) {
            for (Projection p : Projection.values()) s.observe(p == Projection.LM_HEAD ? -1 : 0, p, x, tokens, cols);
        }
        return s.results(1, windows);
    }

    @Test
    void quantizersRoundHalfToEvenAndSkipZeroRows() {
        // row 0: a = 127/2 -> x·127/a = 2x: 0.25 -> 0.5 rounds to 0 (even), 0.75 -> 1.5 rounds to 2; row 1 all zero
        float a = 63.5f;
        float[] x = {a, 0.25f, 0.75f, -a, 0, 0, 0, 0};
        LinearActivations q = feed(x, 2, 4, 1).getFirst();
        assertEquals("model.layers.0.self_attn.q_proj", q.name());
        assertArrayEquals(new float[]{a, 0}, q.tokenAbsmax());
        // int8: errors 0.25 (0.25 -> 0) and 0.25 (0.75 -> 1.0), over 8 elements
        assertEquals((0.25 * 0.25 + 0.25 * 0.25) / 8, q.int8TokenMse(), 1e-15);
        // per tensor: the window's max is the same a, so the same errors
        assertEquals(q.int8TokenMse(), q.int8TensorMse(), 1e-15);
        // 4-bit: step a/7; 0.25 and 0.75 both round to 0; ±a exact
        assertEquals((0.25 * 0.25 + 0.75 * 0.75) / 8, q.int4TokenMse(), 1e-15);
        assertArrayEquals(new double[]{a / 2, (0.25 / 2), 0.75 / 2, -a / 2}, q.chanMean(), 1e-12);
        assertEquals(2, q.tokens());
    }

    @Test
    void outlierChannelsAboveEightTimesTheMedian() {
        // channel absmax 1, 1, 1, 8, 9 -> median 1: only the channel above 8x counts
        float[] x = {1, -1, 1, 8, -9};
        LinearActivations q = feed(x, 1, 5, 1).getFirst();
        assertEquals(1.0, q.medianChanAbsmax());
        assertArrayEquals(new int[]{4}, q.outliers());
    }

    @Test
    void tensorQuantizerIsPerWindow() {
        float[] x = {1, 0.5f};
        LinearActivations q = feed(x, 1, 2, 3).getFirst();
        assertEquals(3, q.windows());
        assertEquals(3, q.tokens());
    }

    @Test
    void aLinearNeverSeenIsAnError() {
        ActivationStats s = new ActivationStats();
        float[] x = {1, 2};
        for (Projection p : Projection.values()) if (p != Projection.DOWN) s.observe(p == Projection.LM_HEAD ? -1 : 0, p, x, 1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.results(1, 1));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.down_proj"), e.getMessage());
    }
}
