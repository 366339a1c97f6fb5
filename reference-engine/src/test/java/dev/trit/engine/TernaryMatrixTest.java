package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.trit.formats.TernaryValues;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TernaryMatrixTest {
    /** The worked example in the docstring of transformers' integrations/bitnet.py unpack_weights. */
    @Test
    void unpacksTransformersDocstringExample() {
        byte[] packed = {(byte) 0b10100001, (byte) 0b00011000, (byte) 0b10010000, (byte) 0b00001010};
        TernaryMatrix m = TernaryMatrix.fromHfPacked(MemorySegment.ofArray(packed), 8, 2, 1f);
        int[][] expected = {{0, -1}, {-1, 1}, {-1, 1}, {-1, 1}, {1, 0}, {0, -1}, {1, -1}, {1, -1}};
        for (int r = 0; r < 8; r++) {
            assertArrayEquals(expected[r], new int[]{m.trit(r, 0), m.trit(r, 1)}, "row " + r);
        }
    }

    @Test
    void rejectsCodeThreeInPackedWeights() {
        byte[] packed = {(byte) 0b00000011};
        assertThrows(IllegalArgumentException.class, () -> TernaryMatrix.fromHfPacked(MemorySegment.ofArray(packed), 4, 1, 1f));
    }

    @Test
    void tritsRoundTripIncludingRaggedColumns() {
        int rows = 3, cols = 7; // 7 columns: the last packed byte of each row is partly padding
        byte[] trits = new byte[rows * cols];
        for (int i = 0; i < trits.length; i++) trits[i] = (byte) ((i * 7 + 3) % 3 - 1);
        TernaryMatrix m = TernaryMatrix.fromTrits(rows, cols, trits, 0.5f);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            m.decodeRow(r, row);
            for (int c = 0; c < cols; c++) {
                assertEquals(trits[r * cols + c], m.trit(r, c));
                assertEquals(trits[r * cols + c], row[c]);
                assertEquals(trits[r * cols + c] * 0.5f, m.get(r, c));
            }
        }
    }

    @Test
    void interleavedLayoutHoldsEveryRowAndPadsWithZeros() {
        // 70 rows: two whole blocks of 32 and a partial one (padded to 96 rows of zero trits where LANES = 32);
        // 300 columns: three packed blocks of 128, the last partly padding
        int rows = 70, cols = 300;
        java.util.Random rnd = new java.util.Random(7);
        byte[] trits = new byte[rows * cols];
        for (int i = 0; i < trits.length; i++) trits[i] = (byte) (rnd.nextInt(3) - 1);
        TernaryMatrix m = TernaryMatrix.fromTrits(rows, cols, trits, 1f);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            m.decodeRow(r, row);
            for (int c = 0; c < cols; c++) assertEquals(trits[r * cols + c], row[c], "row " + r + " col " + c);
        }
        int padded = TernaryMatrix.paddedRows(rows);
        assertEquals(TernaryMatrix.LANES == 1 ? rows : 96, padded);
        assertEquals(2L * padded * m.rowShorts(), m.storedBytes());
        short[] packed = m.packed();
        for (int r = rows; r < padded; r++) {
            for (int p = 0; p < m.rowShorts(); p++) assertEquals(TernaryMatrix.ZEROS, packed[TernaryMatrix.index(m.rowShorts(), r, p)], "padding row " + r);
        }
        // the index is a bijection onto the packed shorts
        java.util.BitSet seen = new java.util.BitSet(packed.length);
        for (int r = 0; r < padded; r++) for (int p = 0; p < m.rowShorts(); p++) seen.set(TernaryMatrix.index(m.rowShorts(), r, p));
        assertEquals(packed.length, seen.cardinality());
    }

    /** WeightQuant: s = 1/mean|W|, rint(W*s) with ties to even, clamped to [-1, 1], effective W_t/s. */
    @Test
    void ternarizesWithAbsMeanScaleAndHalfEvenRounding() {
        // mean|W| = 8/8 = 1 so s = 1: 0.5 -> 0 (tie to even), 1.5 -> 2 -> clamp 1, -0.5 -> -0, -2 -> -1, 0.6 -> 1, 2.5 -> 2 -> 1
        float[] w = {0.5f, 1.5f, -0.5f, -2.0f, 0.6f, -0.4f, 0.0f, 2.5f};
        TernaryMatrix m = TernaryMatrix.ternarize(2, 4, w);
        assertEquals(1.0f, m.scale());
        int[] expected = {0, 1, 0, -1, 1, 0, 0, 1};
        for (int i = 0; i < 8; i++) assertEquals(expected[i], m.trit(i / 4, i % 4), "element " + i);
    }

    @Test
    void fromTernaryValuesNeedsOneScale() {
        byte[] trits = {1, 0, -1, 1, 0, 0, 0, 0};
        TernaryMatrix m = TernaryMatrix.fromTernaryValues(2, 4, new TernaryValues(trits, new float[]{0.25f, 0f}, 4));
        assertEquals(0.25f, m.scale()); // the all-zero block's stored 0 carries no scale
        assertEquals(-1, m.trit(0, 2));
        assertThrows(IllegalArgumentException.class,
                () -> TernaryMatrix.fromTernaryValues(2, 4, new TernaryValues(new byte[]{1, 0, 0, 0, 1, 0, 0, 0}, new float[]{0.25f, 0.5f}, 4)));
    }

    @Test
    void ternarizeClampsTinyScale() {
        float[] w = new float[8]; // all zero: mean 0 is clamped to 1e-5
        TernaryMatrix m = TernaryMatrix.ternarize(2, 4, w);
        assertEquals(1e-5f, m.scale(), 1e-12f);
        assertArrayEquals(new long[]{0, 8, 0}, m.tritCounts());
    }
}
