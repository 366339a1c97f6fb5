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

    @Test
    void vectorizedRoundingMatchesRintOnTiesAndRandomValues() {
        // the kernel rounds with the 1.5 * 2^23 trick; check it against Math.rint (ties to even) on exact
        // half-integers of both signs and on random values, at widths with and without a scalar tail
        java.util.Random rnd = new java.util.Random(7);
        for (int cols : new int[]{1, 7, 8, 16, 33, 256, 301}) {
            float[] x = new float[3 * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (i % 3) {
                    case 0 -> (rnd.nextInt(255) - 127) + 0.5f;
                    case 1 -> (float) rnd.nextGaussian() * 40;
                    default -> (float) rnd.nextGaussian() * 1e-6f;
                };
            }
            x[0] = 127f; // scale 1 for token 0 when it is the max, so the .5 values are exact ties
            QuantizedActivations q = QuantizedActivations.quantize(x, 3, cols);
            for (int t = 0; t < 3; t++) {
                float max = 0;
                for (int c = 0; c < cols; c++) max = Math.max(max, Math.abs(x[t * cols + c]));
                float s = 127f / Math.max(max, 1e-5f);
                assertEquals(s, q.scale()[t]);
                for (int c = 0; c < cols; c++) {
                    float v = (float) Math.rint(x[t * cols + c] * s);
                    assertEquals((short) Math.max(-128f, Math.min(127f, v)), q.q()[t * cols + c], "token " + t + " col " + c + " of " + cols);
                }
            }
        }
    }
}
