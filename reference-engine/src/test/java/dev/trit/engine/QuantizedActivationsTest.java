package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** BitLinear.activation_quant: per-token scale 127/max|x|, rint with ties to even, clamp to int8. */
class QuantizedActivationsTest {
    @Test
    void perTokenAbsmaxWithHalfEvenRounding() {
        // token 0: max 127 -> scale 1; 2.5 -> 2, 3.5 -> 4, -2.5 -> -2
        // token 1: max 2 -> scale 63.5; 1 -> 63.5 -> 64 (tie to even), -2 -> -127
        float[] x = {127f, 2.5f, 3.5f, -2.5f, 1f, -2f, 0f, 0.5f};
        QuantizedActivations q = QuantizedActivations.quantize(x, 2, 4);
        assertArrayEquals(new short[]{127, 2, 4, -2, 64, -127, 0, 32}, q.q());
        assertEquals(1f, q.scale()[0]);
        assertEquals(63.5f, q.scale()[1]);
    }

    @Test
    void zeroRowUsesEpsilonScale() {
        QuantizedActivations q = QuantizedActivations.quantize(new float[4], 1, 4);
        assertEquals(127f / 1e-5f, q.scale()[0]);
        assertArrayEquals(new short[4], q.q());
    }
}
