package dev.trit.engine;

import dev.trit.engine.StoredMatrix.VecDot;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class Q8KDotsTest {
    private static final int COLS = 1024, ROWS = 7, TOKENS = 3;

    private static float[] gaussian(int n, Random r, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * scale;
        return x;
    }

    /** Random bytes for every block field (extreme quants and scales included), d and dmin finite fp16. */
    private static byte[] randomBlocks(GgmlType type, int rows, Random r) {
        byte[] b = new byte[Math.toIntExact(type.bytesFor((long) rows * COLS))];
        r.nextBytes(b);
        MemorySegment s = MemorySegment.ofArray(b);
        ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long o = 0; o < b.length; o += type.blockBytes()) {
            if (type == GgmlType.Q6_K) {
                s.set(u16, o + 208, Float.floatToFloat16((float) r.nextGaussian() * 0.01f));
            } else {
                s.set(u16, o, Float.floatToFloat16((float) r.nextGaussian() * 0.01f));
                s.set(u16, o + 2, Float.floatToFloat16(Math.abs((float) r.nextGaussian()) * 0.01f));
            }
        }
        if (type == GgmlType.Q6_K) { // the extremes: q = 0 and 63 (-32, +31), scales -128 and 127
            for (int j = 0; j < 64; j++) b[j] = 0;
            for (int j = 128; j < 160; j++) b[j] = 0;
            for (int j = 210; j < 274; j++) b[j] = (byte) 0xFF;
            for (int j = 338; j < 402; j++) b[j] = (byte) 0xFF;
            b[192] = (byte) -128;
            b[210 + 192] = 127;
        }
        return b;
    }

    private static Q8KActivations activations(Random r) {
        float[] x = gaussian(TOKENS * COLS, r, 1f);
        x[5] = -40f; // a block whose largest magnitude is negative: quants reach +127
        x[COLS + 300] = 25f; // and positive: -127
        java.util.Arrays.fill(x, 2 * COLS, 2 * COLS + 256, 0f); // an all-zero block (d = 0)
        return Q8KActivations.quantizeInto(x, TOKENS, COLS, null);
    }

    @Test
    void heapCopyKernelsGiveTheSameBits() {
        // the integer products and the widened rows over StoredMatrix.heapBytes' copy, against the same
        // kernels over rows copied out of the segment one at a time (before the heap copy is made)
        Random r = new Random(5);
        for (GgmlType type : new GgmlType[] {GgmlType.Q6_K, GgmlType.Q4_K}) {
            StoredMatrix m = new StoredMatrix(ROWS, COLS, StoredMatrix.Encoding.of(type).orElseThrow(), MemorySegment.ofArray(randomBlocks(type, ROWS, r)));
            Q8KActivations a = activations(r);
            float[] dots = new float[ROWS * TOKENS], rows = new float[ROWS * COLS];
            for (int row = 0; row < ROWS; row++) {
                for (int t = 0; t < TOKENS; t++) dots[row * TOKENS + t] = m.dotRowQ8K(row, a, t, true);
                m.decodeRow(row, rows, row * COLS);
            }
            assertNotNull(m.heapBytes(), type + ": no heap copy");
            float[] widened = new float[COLS];
            for (int row = 0; row < ROWS; row++) {
                for (int t = 0; t < TOKENS; t++) {
                    assertEquals(Float.floatToRawIntBits(dots[row * TOKENS + t]), Float.floatToRawIntBits(m.dotRowQ8K(row, a, t, true)), type + " row " + row + " token " + t);
                }
                m.decodeRow(row, widened, 0);
                for (int c = 0; c < COLS; c++) assertEquals(Float.floatToRawIntBits(rows[row * COLS + c]), Float.floatToRawIntBits(widened[c]), type + " row " + row + " col " + c);
                m.lookupRow(row, widened, 0); // an embedding lookup over the heap copy
                for (int c = 0; c < COLS; c++) assertEquals(Float.floatToRawIntBits(rows[row * COLS + c]), Float.floatToRawIntBits(widened[c]), type + " looked-up row " + row + " col " + c);
            }
        }
    }

    /**
     * KQuantRowLanes (rows in the vector lanes, decode) against the scalar references, bit for bit: rows not
     * a multiple of the 32-row blocks or the 4-block units, permuted rows, randomBlocks' extremes (Q6_K: q = 0
     * and 63, scales -128 and 127) under a token of equal activations (every quant -127: eight Q6_K columns
     * of (0 - 32) x -127 fill a short lane to 32512), and through VectorKernels' one-token product.
     */
    @Test
    void rowLaneKQuantsGiveTheScalarBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(KQuantRowLanes.SUPPORTED, "needs 32 short lanes (the narrow-vectors execution runs without)");
        Random r = new Random(13);
        int rows = 161;
        float[] x = new float[4 * COLS];
        System.arraycopy(gaussian(3 * COLS, r, 1f), 0, x, 0, 3 * COLS);
        java.util.Arrays.fill(x, 3 * COLS, 4 * COLS, -1f);
        Q8KActivations a = Q8KActivations.quantizeInto(x, 4, COLS, null);
        assertEquals(-127, a.q()[3 * COLS]);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = (i * 37 + 11) % rows;
        try (Parallel pool = new Parallel(2)) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q6_K, GgmlType.Q4_K}) {
                for (int[] rowOrder : new int[][] {null, order}) {
                    StoredMatrix m = new StoredMatrix(rows, COLS, StoredMatrix.Encoding.of(type).orElseThrow(), MemorySegment.ofArray(randomBlocks(type, rows, r)), rowOrder, null);
                    KQuantRowLanes lanes = KQuantRowLanes.of(m, m.data(), null, pool);
                    for (int t = 0; t < 4; t++) {
                        float[] y = new float[rows + 5];
                        lanes.product(a, t, y, 5, pool);
                        for (int row = 0; row < rows; row++) {
                            float s = m.dotRowQ8K(row, a, t, false);
                            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(y[5 + row]), type + " row " + row + " token " + t + ": " + y[5 + row] + " vs " + s);
                        }
                    }
                    // the file's bytes rebuilt from the repack (what products of several tokens read after it)
                    long rowBytes = m.encoding().rowBytes(COLS);
                    byte[] rebuilt = new byte[(int) rowBytes];
                    for (int row = 0; row < rows; row++) {
                        lanes.rowBytes(row, rebuilt);
                        byte[] stored = m.data().asSlice(m.rowOffset(row), rowBytes).toArray(ValueLayout.JAVA_BYTE);
                        assertArrayEquals(stored, rebuilt, type + " rebuilt row " + row);
                    }
                }
                // through VectorKernels: fewer rows than MIN_ROWS stay row-wise; an LM head's get the repack at
                // their first one-token product, and products of several tokens after it read rebuilt rows
                Q8KActivations one = Q8KActivations.quantizeInto(java.util.Arrays.copyOfRange(x, 3 * COLS, 4 * COLS), 1, COLS, null);
                for (int n : new int[] {rows, KQuantRowLanes.MIN_ROWS + 5}) {
                    StoredMatrix m = new StoredMatrix(n, COLS, StoredMatrix.Encoding.of(type).orElseThrow(), MemorySegment.ofArray(randomBlocks(type, n, r)));
                    float[] y = new float[n];
                    new VectorKernels(pool).matmul(m, one, y);
                    assertEquals(n > rows, m.rowLanesIfMade() != null, type + " " + n + " rows: repack made");
                    for (int row = 0; row < n; row++) assertEquals(Float.floatToRawIntBits(m.dotRowQ8K(row, one, 0, false)), Float.floatToRawIntBits(y[row]), type + " matmul row " + row);
                    float[] ys = new float[4 * n];
                    new VectorKernels(pool).matmul(m, a, ys);
                    for (int t = 0; t < 4; t++) {
                        for (int row = 0; row < n; row++) {
                            assertEquals(Float.floatToRawIntBits(m.dotRowQ8K(row, a, t, false)), Float.floatToRawIntBits(ys[t * n + row]), type + " 4-token matmul row " + row + " token " + t);
                        }
                    }
                    // a product of no tokens (a prefill micro-batch that scores nothing) writes nothing
                    new VectorKernels(pool).matmul(m, Q8KActivations.quantizeInto(new float[0], 0, COLS, null), new float[0]);
                    if (n > rows) {
                        // rows widened after the repack (a tied embedding's lookups) are rebuilt from it, the file's
                        // floats bit for bit, in logical order where rows are reordered
                        int[] reversed = new int[n];
                        for (int i = 0; i < n; i++) reversed[i] = n - 1 - i;
                        StoredMatrix mo = new StoredMatrix(n, COLS, m.encoding(), m.data(), reversed, null);
                        assertNotNull(mo.rowLanes(pool), type + " reordered repack");
                        StoredMatrix fresh = new StoredMatrix(n, COLS, m.encoding(), m.data());
                        float[] got = new float[COLS], want = new float[COLS];
                        for (int row = 0; row < n; row += 97) {
                            fresh.decodeRow(row, want, 0);
                            m.decodeRow(row, got, 0);
                            assertArrayEquals(want, got, type + " widened row " + row + " after the repack");
                            mo.decodeRow(n - 1 - row, got, 0);
                            assertArrayEquals(want, got, type + " reordered widened row " + row + " after the repack");
                            m.lookupRow(row, got, 0); // an embedding lookup, from the repack
                            assertArrayEquals(want, got, type + " looked-up row " + row + " after the repack");
                            mo.lookupRow(n - 1 - row, got, 0);
                            assertArrayEquals(want, got, type + " reordered looked-up row " + row + " after the repack");
                        }
                    }
                }
            }
        }
    }

    @Test
    void vectorAndScalarFormsAreBitIdentical() {
        Random r = new Random(11);
        for (GgmlType type : new GgmlType[] {GgmlType.Q6_K, GgmlType.Q4_K}) {
            for (int trial = 0; trial < 20; trial++) {
                StoredMatrix m = new StoredMatrix(ROWS, COLS, StoredMatrix.Encoding.of(type).orElseThrow(), MemorySegment.ofArray(randomBlocks(type, ROWS, r)));
                Q8KActivations a = activations(r);
                for (int row = 0; row < ROWS; row++) {
                    for (int t = 0; t < TOKENS; t++) {
                        float v = m.dotRowQ8K(row, a, t, true), s = m.dotRowQ8K(row, a, t, false);
                        assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v), type + " row " + row + " token " + t + ": " + v + " vs " + s);
                    }
                }
            }
        }
    }

    /**
     * Against the formats codec's dequantization: with every block's d = 1 (Q6_K) the widened weights are
     * the integers scale * (q - 32), so ggml's integer sum per super-block is the exact sum of widened
     * weight times activation quant, and sum_b y.d_b * isum_b in double is the product up to the kernels'
     * float steps: one fma per lane and super-block (4 here) and the 4 additions of the fold, each within
     * 2^-24 of its magnitude, so within 8 * 2^-24 < 1e-6 of the sum of |terms|.
     */
    @Test
    void q6kEqualsTheIntegerSumOfTheWidenedRow() {
        Random r = new Random(12);
        byte[] b = randomBlocks(GgmlType.Q6_K, ROWS, r);
        MemorySegment s = MemorySegment.ofArray(b);
        for (long o = 0; o < b.length; o += 210) s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), o + 208, Float.floatToFloat16(1f));
        StoredMatrix m = new StoredMatrix(ROWS, COLS, StoredMatrix.Encoding.Q6_K, s);
        float[] w = BlockCodec.of(GgmlType.Q6_K).decode(s, ROWS * COLS);
        Q8KActivations a = activations(r);
        for (int row = 0; row < ROWS; row++) {
            for (int t = 0; t < TOKENS; t++) {
                double expected = 0, magnitude = 0;
                for (int blk = 0; blk < COLS / 256; blk++) {
                    long isum = 0;
                    for (int j = 0; j < 256; j++) {
                        float wj = w[row * COLS + 256 * blk + j];
                        assertEquals(Math.rint(wj), wj, 0f);
                        isum += (long) wj * a.q()[t * COLS + 256 * blk + j];
                        magnitude += Math.abs((double) wj * a.q()[t * COLS + 256 * blk + j] * a.d()[t * COLS / 256 + blk]);
                    }
                    expected += (double) a.d()[t * COLS / 256 + blk] * isum;
                }
                assertEquals(expected, m.dotRowQ8K(row, a, t, true), 1e-6 * magnitude, "row " + row + " token " + t);
            }
        }
    }

    /**
     * Q4_K against the codec's widened row times the activations' float values (quant * d), in double: ggml
     * subtracts the mins as a second float term per super-block, so the two differ by float rounding only
     * (a few ulps of each super-block's terms: 1e-5 of their magnitude).
     */
    @Test
    void q4kEqualsTheWidenedRowTimesTheRoundedActivations() {
        Random r = new Random(13);
        byte[] b = randomBlocks(GgmlType.Q4_K, ROWS, r);
        StoredMatrix m = new StoredMatrix(ROWS, COLS, StoredMatrix.Encoding.Q4_K, MemorySegment.ofArray(b));
        float[] w = BlockCodec.of(GgmlType.Q4_K).decode(MemorySegment.ofArray(b), ROWS * COLS);
        Q8KActivations a = activations(r);
        for (int row = 0; row < ROWS; row++) {
            for (int t = 0; t < TOKENS; t++) {
                double expected = 0, magnitude = 0;
                for (int c = 0; c < COLS; c++) {
                    double term = (double) w[row * COLS + c] * a.q()[t * COLS + c] * a.d()[(t * COLS + c) / 256];
                    expected += term;
                    magnitude += Math.abs(term);
                }
                assertEquals(expected, m.dotRowQ8K(row, a, t, true), 1e-5 * magnitude, "row " + row + " token " + t);
            }
        }
    }

    /** The quants and d are the ones roundTrip's values stand for; bsums are the sums of 32 quants; q4, q6 their permutations. */
    @Test
    void activationsMatchTheRoundTripAndTheirBlockSums() {
        Random r = new Random(14);
        float[] x = gaussian(2 * 512, r, 3f), y = new float[x.length];
        Q8KActivations a = Q8KActivations.quantizeInto(x, 2, 512, null);
        LlamaCppActivations.roundTrip(VecDot.Q8_K, x, 2, 512, y);
        for (int i = 0; i < x.length; i++) {
            assertEquals(y[i], a.q()[i] * a.d()[i / 256], 0f);
            assertTrue(Math.abs(a.q()[i]) <= 127);
        }
        for (int g = 0; g < x.length / 32; g++) {
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += a.q()[32 * g + j];
            assertEquals(sum, a.bsums()[g]);
        }
        // q4 is q in the Q4_K kernel's order: a permutation of each block, the one its comment spells out
        boolean[] seen = new boolean[256];
        for (int p = 0; p < 256; p++) seen[Q8KActivations.q4Source(p)] = true;
        for (boolean b : seen) assertTrue(b);
        assertEquals(64 * 3 + 32 + 2 * 5 + 1, Q8KActivations.q4Source(128 + 32 * 3 + 16 + 5)); // pair 1, odd high nibbles, chunk 3, lane 5
        for (int i = 0; i < x.length; i++) assertEquals(a.q()[i / 256 * 256 + Q8KActivations.q4Source(i % 256)], a.q4()[i]);
        java.util.Arrays.fill(seen, false);
        for (int p = 0; p < 256; p++) seen[Q8KActivations.q6Source(p)] = true;
        for (boolean b : seen) assertTrue(b);
        assertEquals(128 + 64 + 32 + 2 * 5 + 1, Q8KActivations.q6Source(128 + 32 * 3 + 16 + 5)); // half 1, odd high nibbles, ql[32..], lane 5
        for (int i = 0; i < x.length; i++) assertEquals(a.q()[i / 256 * 256 + Q8KActivations.q6Source(i % 256)], a.q6()[i]);
        assertThrows(IllegalArgumentException.class, () -> Q8KActivations.quantizeInto(x, 1, 100, null));
    }
}
