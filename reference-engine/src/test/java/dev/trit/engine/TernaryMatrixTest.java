package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    /**
     * The base-3 layout as documented (where the row-lane kernels run): short p holds columns 9p .. 9p + 8 as
     * three 5-bit fields d0 + 3 d1 + 9 d2 (d = trit + 1), rows padded to a multiple of 32 shorts with zero
     * trits (field 13); and a trit set over another one replaces only its own digit.
     */
    @Test
    void baseThreeLayoutHoldsThreeColumnsPerField() {
        assumeTrue(TernaryMatrix.LANES == 32, "the 2-bit row-major layout is in use (narrow vectors)");
        assertEquals(288, TernaryMatrix.shortsPerRow(2560));
        assertEquals(768, TernaryMatrix.shortsPerRow(6912));
        assertEquals(32, TernaryMatrix.shortsPerRow(9));
        byte[] trits = {-1, 0, 1, 1, 1, 1, -1, -1, 0, 1};
        TernaryMatrix m = TernaryMatrix.fromTrits(1, trits.length, trits, 1f);
        short[] packed = m.packed();
        // fields 0 + 3*1 + 9*2 = 21, 2 + 6 + 18 = 26, 0 + 0 + 9 = 9; then column 9 (trit 1) with two padding zeros
        assertEquals((short) (21 | 26 << 5 | 9 << 10), packed[TernaryMatrix.index(m.rowShorts(), 0, 0)]);
        assertEquals((short) ((2 + 3 + 9) | 13 << 5 | 13 << 10), packed[TernaryMatrix.index(m.rowShorts(), 0, 1)]);
        for (int p = 2; p < m.rowShorts(); p++) assertEquals(TernaryMatrix.ZEROS, packed[TernaryMatrix.index(m.rowShorts(), 0, p)], "padding short " + p);

        TernaryMatrix.Builder b = new TernaryMatrix.Builder(1, trits.length);
        b.putRows(0, 1, trits);
        b.set(0, 4, -1); // the middle digit of field 1, 2 -> 0: 26 - 2 * 3 = 20
        b.set(0, 8, 1);  // the top digit of field 2: 9 + 9 = 18
        TernaryMatrix changed = b.build(1f);
        assertEquals((short) (21 | 20 << 5 | 18 << 10), changed.packed()[TernaryMatrix.index(changed.rowShorts(), 0, 0)]);
        for (int c = 0; c < trits.length; c++) assertEquals(c == 4 ? -1 : c == 8 ? 1 : trits[c], changed.trit(0, c), "column " + c);
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
