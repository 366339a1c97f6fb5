package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q4_K matrix repacked on the heap with 32 rows in the vector lanes, and its one-token integer product
 * (decode; the shared parts in {@link KQuantRowLanes}).
 *
 * <p>Layout, per block of 32 rows and super-block of 256 columns, per sub-block j of 32 columns: eight
 * 32-short vectors whose lane i holds the nibbles of row i's columns 32j + 4v .. 32j + 4v + 3 (bits 4m ..
 * 4m + 3): 4 bits a weight, as in the file. Beside them the sub-blocks' 6-bit scales and mins as bytes
 * ([8][32] each) and d, dmin as floats ([32] each): 4864 bytes per 32 rows and super-block against 4608 in
 * the file.
 *
 * <p>The product: per token and column c, one 32-short table n x a_c (n = entry mod 16); a nibble's index
 * is the vector shifted right by 4m as int lanes, unmasked (the permute reads each lane's index modulo 32,
 * the bits above the nibble pick one of the table's two copies). |n x a| <= 15 x 127, so sixteen columns sum
 * in short lanes (<= 30480), then a sub-block's two halves in int lanes times the row's scale, into the
 * super-block's exact integer sum; the min term is the row's min times the activations' sum over the
 * sub-block (Q8KActivations.bsums), exact too. Then, as {@link Q8KDots#q4kScalar}:
 * f = fma(isum, fp16(d) x d_act, f), g = fma(msum, fp16(dmin) x d_act, g) per super-block, and f - g: the
 * same bits (Q8KDotsTest.rowLaneKQuantsGiveTheScalarBits).
 */
final class Q4KRowLanes extends KQuantRowLanes {
    /** Shorts per sub-block (32 columns) per row block: 8 vectors of nibbles. */
    private static final int SUB = 8 * ROWS;
    /** Shorts per super-block per row block. */
    private static final int BLOCK = 8 * SUB;
    /** Shorts of the table per column. */
    private static final int TAB = ROWS;
    /** Table entry e: e mod 16. */
    private static final ShortVector NIBBLE = entries(e -> e & 15);

    /** [row block][super-block][sub-block][8 vectors][32 lanes] */
    private final short[] quants;
    /** [row block][super-block][sub-block][32 lanes] */
    private final byte[] scales, mins;
    /** [row block][super-block][32 lanes] */
    private final float[] d, dmin;

    Q4KRowLanes(int rows, int cols) {
        super(rows, cols, 144);
        this.quants = new short[rowBlocks * blocks * BLOCK];
        this.scales = new byte[rowBlocks * blocks * 8 * ROWS];
        this.mins = new byte[rowBlocks * blocks * 8 * ROWS];
        this.d = new float[rowBlocks * blocks * ROWS];
        this.dmin = new float[rowBlocks * blocks * ROWS];
    }

    static boolean fits(int rows, int cols) {
        return fits(rows, cols, BLOCK);
    }

    @Override
    void repackBlock(byte[] sb, int blk, int lane) {
        long s8 = (long) Q8KDots.LE64.get(sb, 4);
        int s4 = (int) Q8KDots.LE32.get(sb, 12);
        long sc = StoredMatrix.k4Scales(s8, s4), mn = StoredMatrix.k4Mins(s8, s4);
        for (int j = 0; j < 8; j++) {
            scales[(blk * 8 + j) * ROWS + lane] = (byte) (sc >>> 8 * j);
            mins[(blk * 8 + j) * ROWS + lane] = (byte) (mn >>> 8 * j);
        }
        d[blk * ROWS + lane] = Float.float16ToFloat((short) (sb[0] & 0xFF | sb[1] << 8));
        dmin[blk * ROWS + lane] = Float.float16ToFloat((short) (sb[2] & 0xFF | sb[3] << 8));
        int qo = blk * BLOCK;
        for (int c = 0; c < 256; c++) {
            int v = sb[16 + 32 * (c / 64) + c % 32] & 0xFF, q = c % 64 < 32 ? v & 15 : v >> 4, cc = c % 32;
            quants[qo + c / 32 * SUB + (cc / 4) * ROWS + lane] |= (short) (q << 4 * (cc % 4));
        }
    }

    @Override
    void rowBytes(int r, byte[] dst) {
        int rb = r / ROWS, lane = r % ROWS;
        int[] sc = new int[8], mn = new int[8];
        byte[] q = new byte[256];
        for (int b = 0; b < blocks; b++) {
            int blk = rb * blocks + b, qo = blk * BLOCK, o = 144 * b;
            short dh = Float.floatToFloat16(d[blk * ROWS + lane]), mh = Float.floatToFloat16(dmin[blk * ROWS + lane]);
            dst[o] = (byte) dh;
            dst[o + 1] = (byte) (dh >> 8);
            dst[o + 2] = (byte) mh;
            dst[o + 3] = (byte) (mh >> 8);
            for (int j = 0; j < 8; j++) {
                sc[j] = scales[(blk * 8 + j) * ROWS + lane];
                mn[j] = mins[(blk * 8 + j) * ROWS + lane];
            }
            dev.trit.formats.KQuants.packScaleMinK4(sc, mn, dst, o + 4); // ggml's packing, as the Q4_K codec writes it
            // the codes gathered from the lane first, then packed (as Q6KRowLanes.rowBytes)
            for (int j = 0; j < 8; j++) {
                for (int v = 0; v < 8; v++) {
                    int w = quants[qo + j * SUB + v * ROWS + lane], c = 32 * j + 4 * v;
                    for (int m = 0; m < 4; m++) q[c + m] = (byte) (w >> 4 * m & 15);
                }
            }
            for (int k = 0; k < 4; k++) { // qs[32k + l]: column 64k + l (low nibble), 64k + 32 + l (high)
                for (int l = 0; l < 32; l++) dst[o + 16 + 32 * k + l] = (byte) (q[64 * k + l] | q[64 * k + 32 + l] << 4);
            }
        }
    }

    @Override
    int tableShorts() {
        return TAB * cols;
    }

    @Override
    void buildTables(short[] q, int ao, MemorySegment tab) {
        for (int c = 0; c < cols; c++) NIBBLE.mul(q[ao + c]).intoMemorySegment(tab, 2L * TAB * c, LE);
    }

    /**
     * sums[0 ..) hold f, sums[128 ..) g, ints likewise the super-block's isum and msum; the short sums go
     * through memory from {@link #part} to {@link #addScaled} (see Q6KRowLanes.quad).
     */
    @Override
    void quad(int rb, MemorySegment tab, Q8KActivations a, int t, Scratch scratch) {
        float[] sums = scratch.sums();
        int[] ints = scratch.ints();
        short[] shorts = scratch.shorts();
        int dstride = blocks * ROWS, g = QUAD * ROWS, bsOff = t * (cols / 32);
        java.util.Arrays.fill(sums, 0f);
        for (int b = 0; b < blocks; b++) {
            java.util.Arrays.fill(ints, 0);
            for (int j = 0; j < 8; j++) {
                part(rb, b, j, 0, tab, shorts);
                part(rb, b, j, 1, tab, shorts);
                addScaled(shorts, ((rb * blocks + b) * 8 + j) * ROWS, blocks * 8 * ROWS, ints);
            }
            addMins((rb * blocks + b) * 8 * ROWS, blocks * 8 * ROWS, a.bsums(), bsOff + 8 * b, ints);
            float x = a.d()[t * blocks + b];
            int dd = (rb * blocks + b) * ROWS;
            for (int k = 0; k < QUAD; k++) {
                for (int h = 0; h < 32; h += 16) {
                    fmaStep(ints, 32 * k + h, d, dd + k * dstride + h, x, sums);
                    fmaStep(ints, g + 32 * k + h, dmin, dd + k * dstride + h, x, sums);
                }
            }
        }
        for (int i = 0; i < g; i += 16) {
            jdk.incubator.vector.FloatVector.fromArray(F, sums, i).sub(jdk.incubator.vector.FloatVector.fromArray(F, sums, g + i)).intoArray(sums, i);
        }
    }

    /**
     * Half p of sub-block j of super-block b (columns 32j + 16p ..: vectors 4p .. 4p + 3) for row blocks
     * rb .. rb + 3, into shorts[128 p + 32 k ..].
     */
    private void part(int rb, int b, int j, int p, MemorySegment tab, short[] shorts) {
        int stride = blocks * BLOCK;
        int q0 = (rb * blocks + b) * BLOCK + j * SUB + 4 * p * ROWS, q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride;
        long to = 2L * TAB * (256 * b + 32 * j + 16 * p);
        ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int v = 0; v < 4; v++) {
            IntVector w0 = load(q0 + v * ROWS), w1 = load(q1 + v * ROWS), w2 = load(q2 + v * ROWS), w3 = load(q3 + v * ROWS);
            for (int m = 0; m < 4; m++) {
                ShortVector tv = ShortVector.fromMemorySegment(S, tab, to + 2L * TAB * (4 * v + m), LE);
                a0 = idx(w0, 4 * m).selectFrom(tv).add(a0);
                a1 = idx(w1, 4 * m).selectFrom(tv).add(a1);
                a2 = idx(w2, 4 * m).selectFrom(tv).add(a2);
                a3 = idx(w3, 4 * m).selectFrom(tv).add(a3);
            }
        }
        int o = 128 * p;
        ZS.add(a0).intoArray(shorts, o);
        ZS.add(a1).intoArray(shorts, o + 32);
        ZS.add(a2).intoArray(shorts, o + 64);
        ZS.add(a3).intoArray(shorts, o + 96);
    }

    /**
     * ints[32 k + i] += (both halves' short sums) x row block k's scale of lane i (at so + k sstride), k = 0..3.
     * The min terms are {@link #addMins}'s: in this method they took it past C2's node limit, and its
     * conversions ran as their Java fallback (61 MB of int arrays per 2B4T head product, 15.4 ms against
     * 10.1-14.4 with them apart; standalone probe, 2 threads).
     */
    private void addScaled(short[] shorts, int so, int sstride, int[] ints) {
        for (int k = 0; k < QUAD; k++) {
            ShortVector lo = ShortVector.fromArray(S, shorts, 32 * k), hi = ShortVector.fromArray(S, shorts, 128 + 32 * k);
            int sk = so + k * sstride, io = 32 * k;
            IntVector sum = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0));
            IntVector.fromArray(I, ints, io).add(sum.mul(lanes(scales, sk))).intoArray(ints, io);
            sum = ((IntVector) lo.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1));
            IntVector.fromArray(I, ints, io + 16).add(sum.mul(lanes(scales, sk + 16))).intoArray(ints, io + 16);
        }
    }

    /**
     * ints[128 + 32 k + i] += sum over the super-block's sub-blocks j of row block k's min of lane i times
     * the activations' sum over sub-block j (bsums[bo + j]); mins of sub-block j at so + j * 32 + k sstride.
     * Exact integers, so the order of the terms does not change the bits.
     */
    private void addMins(int so, int sstride, int[] bsums, int bo, int[] ints) {
        for (int k = 0; k < QUAD; k++) {
            int sk = so + k * sstride, io = 128 + 32 * k;
            IntVector m0 = IntVector.fromArray(I, ints, io), m1 = IntVector.fromArray(I, ints, io + 16);
            for (int j = 0; j < 8; j++) {
                int bs = bsums[bo + j], o = sk + j * ROWS;
                m0 = lanes(mins, o).mul(bs).add(m0);
                m1 = lanes(mins, o + 16).mul(bs).add(m1);
            }
            ZI.add(m0).intoArray(ints, io);
            ZI.add(m1).intoArray(ints, io + 16);
        }
    }

    private IntVector load(int o) {
        return (IntVector) ShortVector.fromArray(S, quants, o).reinterpretAsInts();
    }

    /** 16 rows' bytes (6-bit: no sign) as int lanes. */
    private static IntVector lanes(byte[] b, int o) {
        return (IntVector) ByteVector.fromArray(B16, b, o).convertShape(VectorOperators.B2I, I, 0);
    }
}
