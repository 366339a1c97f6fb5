package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trit.formats.TernaryValues;
import dev.trit.formats.Tq1Codec;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TQ1_0 blocks read in place give the products of the same trits packed, bit for bit: decode (fewer than
 * 8 tokens) and lookup-table prefill, vector and scalar forms, rows in stored order or permuted.
 */
class Tq1KernelsTest {

    /** Random trits (a share of zeros, as a trained model's), encoded by formats' TQ1_0 codec with one scale. */
    private static byte[] trits(Random rnd, int n) {
        byte[] t = new byte[n];
        for (int i = 0; i < n; i++) t[i] = (byte) (rnd.nextInt(5) < 2 ? 0 : rnd.nextBoolean() ? 1 : -1);
        return t;
    }

    private static MemorySegment tq1(byte[] trits, float scale) {
        float[] scales = new float[trits.length / 256];
        java.util.Arrays.fill(scales, scale);
        return MemorySegment.ofArray(Tq1Codec.INSTANCE.encodeTernary(new TernaryValues(trits, scales, 256)));
    }

    /** Activations: Gaussian, or (extreme) every value -128 or 127, the int8 limits the short lanes must hold. */
    private static QuantizedActivations activations(Random rnd, int tokens, int cols, boolean extreme) {
        if (!extreme) {
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            return QuantizedActivations.quantize(x, tokens, cols);
        }
        short[] q = new short[tokens * cols];
        for (int i = 0; i < q.length; i++) q[i] = (short) (i % 3 == 0 ? 127 : -128);
        float[] s = new float[tokens];
        for (int t = 0; t < tokens; t++) s[t] = 3.5f + t;
        return new QuantizedActivations(tokens, cols, q, s);
    }

    @ParameterizedTest
    @CsvSource({"37, 256, 1, false", "37, 512, 3, false", "9, 7168, 1, false", "9, 7168, 1, true", "21, 1024, 8, false",
            "70, 512, 40, false", "5, 7168, 33, true", "64, 2560, 17, false"})
    void productsEqualThePackedTrits(int rows, int cols, int tokens, boolean extreme) {
        Random rnd = new Random(rows * 31L + cols + tokens);
        byte[] t = trits(rnd, rows * cols);
        float scale = 0.0390625f;
        TernaryMatrix packed = TernaryMatrix.fromTrits(rows, cols, t, scale);
        TernaryMatrix inPlace = TernaryMatrix.tq1InPlace(rows, cols, tq1(t, scale), null, scale);
        QuantizedActivations x = activations(rnd, tokens, cols, extreme);
        float[] want = new float[tokens * rows], got = new float[tokens * rows], scalar = new float[tokens * rows];
        try (Parallel p = new Parallel(2)) {
            VectorKernels k = new VectorKernels(p);
            k.ternaryMatmul(packed, x, want);
            k.ternaryMatmul(inPlace, x, got);
            k.ternaryMatmuls(new TernaryMatrix[] {inPlace, packed}, x, new float[][] {scalar, new float[tokens * rows]});
        }
        assertArrayEquals(want, got);
        assertArrayEquals(want, scalar);
        float[] reference = new float[tokens * rows];
        new ScalarKernels().ternaryMatmul(inPlace, x, reference);
        assertArrayEquals(want, reference);
        // the scalar row form (hardware without 512-bit vectors) against the vector one
        MemorySegment data = inPlace.tq1Data();
        for (int r = 0; r < rows; r++) {
            assertEquals(Tq1Kernels.codeDotScalar(data, inPlace.tq1RowOffset(r), cols / 256, x.q(), 0),
                    Tq1Kernels.WIDE ? Tq1Kernels.codeDot(data, inPlace.tq1RowOffset(r), cols / 256, x.q(), 0)
                            : Tq1Kernels.codeDotScalar(data, inPlace.tq1RowOffset(r), cols / 256, x.q(), 0), "row " + r);
        }
    }

    /** A llama file's permuted rows: matrix row r is stored row storedRow[r]. */
    @ParameterizedTest
    @CsvSource({"24, 512, 1", "24, 512, 12"})
    void permutedRows(int rows, int cols, int tokens) {
        Random rnd = new Random(5);
        byte[] stored = trits(rnd, rows * cols);
        int[] storedRow = new int[rows];
        for (int r = 0; r < rows; r++) storedRow[r] = (r * 7 + 3) % rows;
        byte[] matrix = new byte[rows * cols];
        for (int r = 0; r < rows; r++) System.arraycopy(stored, storedRow[r] * cols, matrix, r * cols, cols);
        TernaryMatrix packed = TernaryMatrix.fromTrits(rows, cols, matrix, 0.5f);
        TernaryMatrix inPlace = TernaryMatrix.tq1InPlace(rows, cols, tq1(stored, 0.5f), storedRow, 0.5f);
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) assertEquals(packed.trit(r, c), inPlace.trit(r, c));
        QuantizedActivations x = activations(rnd, tokens, cols, false);
        float[] want = new float[tokens * rows], got = new float[tokens * rows];
        try (Parallel p = new Parallel(2)) {
            new VectorKernels(p).ternaryMatmul(packed, x, want);
            new VectorKernels(p).ternaryMatmul(inPlace, x, got);
        }
        assertArrayEquals(want, got);
    }
}
