package dev.trit.engine;

import dev.trit.engine.StoredMatrix.VecDot;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LlamaCppActivationsTest {
    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void q8_0BlocksAreInt8TimesTheFp16Scale() {
        float[] x = gaussian(2 * 96, 1), y = new float[x.length];
        LlamaCppActivations.roundTrip(VecDot.Q8_0, x, 2, 96, y);
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]));
            float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            for (int j = 0; j < 32; j++) {
                float q = y[b + j] / d;
                assertEquals(Math.rint(q), q, 0, "an integer multiple of fp16(amax / 127)");
                assertTrue(Math.abs(q) <= 127);
                // the nearest level to x * 127 / amax
                assertEquals(Math.rint(x[b + j] * (127f / amax)), q, 0);
                if (Math.abs(x[b + j]) == amax) assertEquals(127, Math.abs(q));
            }
        }
    }

    @Test
    void q8_KUsesTheSignedMaxAndAFloatScale() {
        float[] x = gaussian(512, 2), y = new float[512];
        x[17] = -9f; // the block's largest magnitude, negative
        LlamaCppActivations.roundTrip(VecDot.Q8_K, x, 1, 512, y);
        float iscale = -127f / -9f, d = 1f / iscale;
        assertEquals(-127 * d, y[17]);
        for (int j = 0; j < 256; j++) {
            float q = Math.min(127f, (float) Math.rint(iscale * x[j]));
            assertEquals(q * d, y[j], 0f, "element " + j); // ggml's int 0 is +0; rint gives -0 here
        }
        // an all-zero block stays zero
        float[] z = new float[256];
        LlamaCppActivations.roundTrip(VecDot.Q8_K, z, 1, 256, z);
        for (float v : z) assertEquals(0f, v);
    }

    @Test
    void halvesRoundToNearestEvenAndF32IsUnchanged() {
        float[] x = gaussian(64, 3), y = new float[64];
        LlamaCppActivations.roundTrip(VecDot.F16, x, 2, 32, y);
        for (int i = 0; i < 64; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), y[i]);
        LlamaCppActivations.roundTrip(VecDot.BF16, x, 2, 32, y);
        for (int i = 0; i < 64; i++) assertEquals(FloatDecoder.roundToBf16(x[i]), y[i]);
        LlamaCppActivations.roundTrip(VecDot.F32, x, 2, 32, y);
        assertArrayEquals(x, y);
    }

    @Test
    void blockTypesNeedWholeBlocks() {
        assertThrows(IllegalArgumentException.class, () -> LlamaCppActivations.roundTrip(VecDot.Q8_K, new float[288], 1, 288, new float[288]));
        assertThrows(IllegalArgumentException.class, () -> LlamaCppActivations.roundTrip(VecDot.Q8_0, new float[40], 1, 40, new float[40]));
    }

    @Test
    void vecDotTypesAreGgmlCpus() {
        // ggml-cpu.c type_traits_cpu[].vec_dot_type
        assertEquals(VecDot.Q8_0, StoredMatrix.Encoding.Q4_0.vecDotType());
        assertEquals(VecDot.Q8_0, StoredMatrix.Encoding.Q5_0.vecDotType());
        assertEquals(VecDot.Q8_0, StoredMatrix.Encoding.Q8_0.vecDotType());
        assertEquals(VecDot.Q8_0, StoredMatrix.Encoding.IQ4_NL.vecDotType());
        assertEquals(VecDot.Q8_1, StoredMatrix.Encoding.Q4_1.vecDotType());
        assertEquals(VecDot.Q8_1, StoredMatrix.Encoding.Q5_1.vecDotType());
        for (var e : new StoredMatrix.Encoding[]{StoredMatrix.Encoding.Q2_K, StoredMatrix.Encoding.Q3_K, StoredMatrix.Encoding.Q4_K,
                StoredMatrix.Encoding.Q5_K, StoredMatrix.Encoding.Q6_K}) {
            assertEquals(VecDot.Q8_K, e.vecDotType(), e.name());
        }
        assertEquals(VecDot.F16, StoredMatrix.Encoding.F16.vecDotType());
        assertEquals(VecDot.F32, StoredMatrix.Encoding.F32.vecDotType());
    }
}
