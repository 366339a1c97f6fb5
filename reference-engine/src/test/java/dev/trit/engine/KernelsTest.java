package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trit.formats.family.Activation;
import dev.trit.formats.family.LayerSpec;
import dev.trit.formats.family.LinearSpec;
import dev.trit.formats.family.Llama;
import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.family.RopeSpec;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Vector API kernels against the scalar reference. */
class KernelsTest {
    @ParameterizedTest(name = "rows {0} cols {1} tokens {2}")
    @CsvSource({"1, 1, 1", "5, 7, 3", "64, 256, 17", "33, 768, 4", "8, 9000, 2", "130, 100, 1", "3, 300, 255", "7, 1000, 9", "16, 64, 300", "11, 300, 70", "100, 6912, 8", "70, 2560, 13", "33, 1000, 64"})
    void ternaryKernelIsBitIdenticalToScalar(int rows, int cols, int tokens) {
        // integer sums are exact, so both kernels must produce identical floats; 9000 columns exceed the
        // 255 short-lane steps between widenings for every vector width up to 512 bits; 1000 columns with 9 tokens
        // span several 63-group tables of the lookup-table (prefill) kernel, 300 tokens several token vectors
        // (70: three of 32 tokens, the last partly padding)
        Random rnd = new Random(rows * 31L + cols);
        byte[] trits = new byte[rows * cols];
        for (int i = 0; i < trits.length; i++) trits[i] = (byte) (rnd.nextInt(3) - 1);
        TernaryMatrix w = TernaryMatrix.fromTrits(rows, cols, trits, 0.03f);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * 3;
        if (x.length > 0) x[0] = -1e4f; // forces -128 values after scaling
        QuantizedActivations q = QuantizedActivations.quantize(x, tokens, cols);
        float[] a = new float[tokens * rows], b = new float[tokens * rows];
        new ScalarKernels().ternaryMatmul(w, q, a);
        try (Parallel p = new Parallel(2)) {
            new VectorKernels(p).ternaryMatmul(w, q, b);
        }
        assertArrayEquals(a, b);
    }

    @ParameterizedTest(name = "rows {0} cols {1} tokens {2} trit {3}")
    @CsvSource({"130, 9000, 1, 1", "130, 9000, 3, -1", "200, 6912, 9, 1"})
    void ternaryKernelStaysExactAtTheLargestSums(int rows, int cols, int tokens, int trit) {
        // every weight the same trit and every activation -128 (after quantization): the largest sums the
        // kernels' short lanes ever hold between widenings (the row-lane decode: 64 lookups of 256)
        byte[] trits = new byte[rows * cols];
        java.util.Arrays.fill(trits, (byte) trit);
        TernaryMatrix w = TernaryMatrix.fromTrits(rows, cols, trits, 0.5f);
        float[] x = new float[tokens * cols];
        java.util.Arrays.fill(x, -1f);
        QuantizedActivations q = QuantizedActivations.quantize(x, tokens, cols);
        java.util.Arrays.fill(q.q(), (short) -128);
        float[] a = new float[tokens * rows], b = new float[tokens * rows];
        new ScalarKernels().ternaryMatmul(w, q, a);
        try (Parallel p = new Parallel(2)) {
            new VectorKernels(p).ternaryMatmul(w, q, b);
        }
        assertArrayEquals(a, b);
        assertEquals(-128f * trit * cols * 0.5f / q.scale()[0], a[0], Math.abs(a[0]) * 1e-6, "the scalar sum itself");
    }

    @ParameterizedTest(name = "rows {0} cols {1} tokens {2}")
    @CsvSource({"1, 1, 1", "5, 7, 3", "64, 256, 17", "33, 77, 4", "9, 40, 255", "3, 5, 8", "10, 33, 64", "7, 300, 130", "4, 16, 128"})
    void floatKernelMatchesScalar(int rows, int cols, int tokens) {
        Random rnd = new Random(rows * 17L + cols);
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian();
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] a = new float[tokens * rows], b = new float[tokens * rows];
        FloatMatrix w = new FloatMatrix(rows, cols, d);
        new ScalarKernels().matmul(w, x, tokens, a);
        try (Parallel p = new Parallel(2)) {
            new VectorKernels(p).matmul(w, x, tokens, b);
        }
        // different summation order: float rounding of a sum of `cols` unit-variance products
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5 * cols);
        if (tokens >= 8) {
            // the batched (prefill) kernel: every output one fma chain over the columns in order, whatever the blocking
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    float s = 0f;
                    for (int c = 0; c < cols; c++) s = Math.fma(x[t * cols + c], d[r * cols + c], s);
                    assertEquals(s, b[t * rows + r], "token " + t + " row " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "trit {0} tokens {1}")
    @CsvSource({"-1, 20", "1, 20", "-1, 3", "1, 3", "-1, 64", "1, 64"})
    void ternaryKernelStaysExactAtTheExtremes(int trit, int tokens) {
        // every activation -128 and every trit equal: each 4-column group sums to +-512 and a row to
        // +-128000, the worst case for the short lanes between widenings
        int rows = 5, cols = 1000;
        byte[] trits = new byte[rows * cols];
        java.util.Arrays.fill(trits, (byte) trit);
        TernaryMatrix w = TernaryMatrix.fromTrits(rows, cols, trits, 1f);
        short[] qs = new short[tokens * cols];
        java.util.Arrays.fill(qs, (short) -128);
        float[] scales = new float[tokens];
        java.util.Arrays.fill(scales, 1f);
        QuantizedActivations q = new QuantizedActivations(tokens, cols, qs, scales);
        float[] b = new float[tokens * rows];
        try (Parallel p = new Parallel(2)) {
            new VectorKernels(p).ternaryMatmul(w, q, b);
        }
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) assertEquals(-128f * trit * cols, b[t * rows + r], "token " + t + " row " + r);
        }
    }

    @ParameterizedTest(name = "cols {0} tokens {1}")
    @CsvSource({"256, 1", "384, 2", "2560, 1", "77, 3", "256, 9"})
    void sharedInputProductsEqualSeparateOnes(int cols, int tokens) {
        // q/k/v-like matrices of different row counts run as one job: each output as computed alone
        Random rnd = new Random(cols * 31L + tokens);
        int[] rows = {96, 32, 45};
        TernaryMatrix[] ws = new TernaryMatrix[3];
        float[][] together = new float[3][], alone = new float[3][];
        for (int m = 0; m < 3; m++) {
            byte[] trits = new byte[rows[m] * cols];
            for (int i = 0; i < trits.length; i++) trits[i] = (byte) (rnd.nextInt(3) - 1);
            ws[m] = TernaryMatrix.fromTrits(rows[m], cols, trits, 0.01f * (m + 1));
            together[m] = new float[tokens * rows[m]];
            alone[m] = new float[tokens * rows[m]];
        }
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        QuantizedActivations q = QuantizedActivations.quantize(x, tokens, cols);
        try (Parallel p = new Parallel(2)) {
            VectorKernels k = new VectorKernels(p);
            k.ternaryMatmuls(ws, q, together);
            for (int m = 0; m < 3; m++) new ScalarKernels().ternaryMatmul(ws[m], q, alone[m]);
        }
        for (int m = 0; m < 3; m++) assertArrayEquals(alone[m], together[m], "matrix " + m);
    }

    @ParameterizedTest(name = "cached {0} queries {1} window {2}")
    @CsvSource({"0, 1, 0", "37, 70, 0", "100, 1, 0", "0, 130, 0", "37, 70, 20", "5, 90, 64"})
    void attentionMatchesScalar(int cached, int n, int window) {
        // grouped heads (4 queries on 2 key/value heads), positions in blocks of 4 vectors, 1 vector and single ones;
        // the vector kernel sums each score as an fma chain and normalizes at the end, the scalar one multiplies and
        // adds and normalizes first: the two agree to a few float ulps of the largest term, not bit for bit
        int heads = 4, kvHeads = 2, hd = 32;
        ModelSpec c = new ModelSpec(Llama.INSTANCE, heads * hd, 1, heads, kvHeads, hd, 16, 8, 1e-5f, false, false, false, false, false, false, false,
                Activation.SILU, 1f, true, 1f / (float) Math.sqrt(hd), 0f, 0f, List.of(new LayerSpec(window, RopeSpec.plain(10000.0))), LinearSpec.FLOAT, 1, 2,
                4096);
        Random rnd = new Random(cached * 131L + n * 7L + window);
        KvCache cache = new KvCache(c, cached + n + 3);
        int kvDim = kvHeads * hd, qDim = heads * hd;
        for (int step = 0; step < 2; step++) {
            int tokens = step == 0 ? cached : n;
            float[] k = new float[tokens * kvDim], v = new float[tokens * kvDim];
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) rnd.nextGaussian();
                v[i] = (float) rnd.nextGaussian();
            }
            cache.put(0, k, v, tokens);
            if (step == 0) cache.advance(tokens);
        }
        float[] q = new float[n * qDim];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian() * 2;
        float[] a = new float[n * qDim], b = new float[n * qDim];
        new ScalarKernels().attention(c, 0, q, n, cached, cache.keys(0), cache.values(0), a);
        try (Parallel p = new Parallel(2)) {
            new VectorKernels(p).attention(c, 0, q, n, cached, cache.keys(0), cache.values(0), b);
        }
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 2e-5f * (1 + Math.abs(a[i])), "output " + i);
    }
}
