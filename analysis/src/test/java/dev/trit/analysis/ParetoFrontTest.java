package dev.trit.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ParetoFrontTest {
    @Test
    void handMadePoints() {
        // size MB, KLD: F16 (big, best), Q8_0, Q4_0, a ternary file smaller than all, and two beaten ones:
        // "bad4" is as large as Q4_0 and worse; "bad2" is larger than the ternary file and worse.
        String[] names = {"f16", "q8_0", "q4_0", "tq2_0", "bad4", "bad2"};
        double[] size = {16, 8.5, 4.5, 2.1, 4.5, 3.0};
        double[] kld = {0.0, 0.001, 0.01, 0.2, 0.05, 0.3};
        List<Integer> f = ParetoFront.of(size, kld);
        assertEquals(List.of("tq2_0", "q4_0", "q8_0", "f16"), f.stream().map(i -> names[i]).toList());
    }

    @Test
    void tiesNaNsAndEdgeCases() {
        assertEquals(List.of(), ParetoFront.of(new double[0], new double[0]));
        assertEquals(List.of(0), ParetoFront.of(new double[]{1}, new double[]{1}));
        // identical points: neither beats the other
        assertEquals(List.of(0, 1), ParetoFront.of(new double[]{1, 1}, new double[]{2, 2}));
        // same size, one better: the worse is beaten; same quality, one smaller: the larger is beaten
        assertEquals(List.of(1), ParetoFront.of(new double[]{1, 1}, new double[]{3, 2}));
        assertEquals(List.of(0), ParetoFront.of(new double[]{1, 2}, new double[]{3, 3}));
        // a point without a number takes no part and beats nothing
        assertEquals(List.of(1), ParetoFront.of(new double[]{Double.NaN, 2}, new double[]{0, 3}));
        // a chain of trade-offs is all front, ordered by x
        assertEquals(List.of(2, 1, 0), ParetoFront.of(new double[]{3, 2, 1}, new double[]{1, 2, 3}));
        assertTrue(ParetoFront.dominates(1, 1, 1, 2));
        assertFalse(ParetoFront.dominates(1, 2, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> ParetoFront.of(new double[1], new double[2]));
    }
}
