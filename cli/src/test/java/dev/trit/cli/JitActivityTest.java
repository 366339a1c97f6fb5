package dev.trit.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The JIT activity trit bench ends its warm-up on. */
class JitActivityTest {
    @Test
    void aRoundIsBusyAboveFivePercentOfItsTimeCompiling() {
        long second = 1_000_000_000L;
        assertFalse(JitActivity.busy(50, second));
        assertTrue(JitActivity.busy(51, second));
        assertTrue(JitActivity.busy(300, 2 * second), "Transformer.layer's C2 compilation in a 2B4T round");
        assertFalse(JitActivity.busy(20, 2 * second), "a steady round's stray compilations");
    }

    @Test
    void hotspotCountsCompileTimeAndTheWaitEndsAtTheQuietWindowOrTheLimit() throws InterruptedException {
        assertTrue(JitActivity.compileMillis() >= 0, "HotSpot counts compilation time");
        long waited = JitActivity.awaitQuiet(100, 10_000);
        assertTrue(waited >= 100, "at least the quiet window: " + waited);
        long capped = JitActivity.awaitQuiet(60_000, 50);
        assertTrue(capped >= 50 && capped < 30_000, "the limit ends a wait whose quiet window is longer: " + capped);
    }
}
