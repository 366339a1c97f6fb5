package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q6_K matrix repacked on the heap with 32 rows in the vector lanes, and its one-token integer product
 * (decode: the LM head of llama-quantize's ternary files, ~45% of a token with the row-wise kernel); the
 * shared parts in {@link KQuantRowLanes}.
 *
 * <p>Layout, per block of 32 rows and super-block of 256 columns, per sub-block s of 16 columns: four
 * 32-short vectors whose lane i holds the low nibbles of row i's columns 16s + 4v .. 16s + 4v + 3 (bits
 * 4m .. 4m + 3), then two whose lane i holds the high bit pairs of columns 16s + 8g .. 16s + 8g + 7 (bits
 * 2m, 2m + 1): 6 bits a weight, as in the file. Beside them the sub-blocks' int8 scales ([16][32] bytes) and
 * the super-block's d as floats ([32]): 6784 bytes per 32 rows and super-block against 6720 in the file.
 *
 * <p>The product: per token, a 32-short table per column c of the low nibble's n x a_c (n = entry mod 16),
 * and one per pair of columns of their high pairs' (h0 - 2) x a_c + (h1 - 2) x a_(c+1) (entry h0 + 4 h1
 * mod 16): the weight q - 32 = n + 16 (h - 2), and a nibble of the high pairs' vector holds two columns'
 * pairs, so 16 columns take 16 + 8 lookups. A nibble's index is the vector shifted right by 4m as int lanes
 * and left unmasked: the permute (vpermw) reads each lane's index modulo 32, and the bits above the nibble
 * only pick a copy of the table. A sub-block's low-nibble lookups sum to at most 16 x 15 x 127 = 30480, its
 * eight pair lookups to 8 x 2 x 2 x 127 = 4064 (|a| <= 127, {@link LlamaCppActivations#q8K}), each in short
 * lanes; then in int lanes, low + 16 pairs, times the row's scale, into the super-block's exact integer sum.
 * Four row blocks share each table load.
 *
 * <p>The result per row is {@link Q8KDots#q6kScalar}'s: the super-block's exact integer sum, then
 * f = fma(sum, fp16(d) x d_act, f) over the super-blocks in order, so bit-identical to the row-wise kernels
 * (Q8KDotsTest.rowLaneKQuantsGiveTheScalarBits).
 */
final class Q6KRowLanes extends KQuantRowLanes {
    /** Shorts per sub-block per row block: 4 vectors of low nibbles, 2 of high pairs. */
    private static final int SUB = 6 * ROWS;
    /** Shorts per super-block per row block. */
    private static final int BLOCK = 16 * SUB;
    /** Shorts of a table: the low nibble's per column, the high pairs' per two columns. */
    private static final int TAB = ROWS;
    /**
     * Table entry e: e mod 16 (the low nibble); (e mod 4) - 2 and (e / 4 mod 4) - 2 (a nibble of the high
     * pairs' vector holds two columns' pairs; each pair's 16 (h - 2) with the 16 taken out, applied in addScaled).
     */
    private static final ShortVector LO = entries(e -> e & 15), PAIR0 = entries(e -> (e & 3) - 2), PAIR1 = entries(e -> (e >> 2 & 3) - 2);

    /** [row block][super-block][sub-block][6 vectors][32 lanes] */
    private final short[] quants;
    /** [row block][super-block][sub-block][32 lanes] */
    private final byte[] scales;
    /** [row block][super-block][32 lanes] */
    private final float[] d;

    Q6KRowLanes(int rows, int cols) {
        super(rows, cols, 210);
        this.quants = new short[rowBlocks * blocks * BLOCK];
        this.scales = new byte[rowBlocks * blocks * 16 * ROWS];
        this.d = new float[rowBlocks * blocks * ROWS];
    }

    static boolean fits(int rows, int cols) {
        return fits(rows, cols, BLOCK);
    }

    @Override
    void repackBlock(byte[] sb, int blk, int lane) {
        int qo = blk * BLOCK;
        for (int c = 0; c < 256; c++) {
            int q = code(sb, c), s = c / 16, cc = c % 16;
            quants[qo + s * SUB + (cc / 4) * ROWS + lane] |= (short) ((q & 15) << 4 * (cc % 4));
            quants[qo + s * SUB + (4 + cc / 8) * ROWS + lane] |= (short) ((q >> 4) << 2 * (cc % 8));
        }
        for (int s = 0; s < 16; s++) scales[(blk * 16 + s) * ROWS + lane] = sb[192 + s];
        d[blk * ROWS + lane] = Float.float16ToFloat((short) (sb[208] & 0xFF | sb[209] << 8));
    }

    @Override
    void rowBytes(int r, byte[] dst) {
        // the row's 256 codes per super-block gathered from its lane first, then packed as the file: a loop
        // per column over both layouts' index arithmetic took ~12 us a row (2560 columns)
        int rb = r / ROWS, lane = r % ROWS;
        byte[] q = new byte[256];
        for (int b = 0; b < blocks; b++) {
            int blk = rb * blocks + b, qo = blk * BLOCK + lane, o = 210 * b;
            for (int s = 0; s < 16; s++) {
                int so = qo + s * SUB;
                for (int v = 0; v < 4; v++) {
                    int w = quants[so + v * ROWS], c = 16 * s + 4 * v;
                    for (int m = 0; m < 4; m++) q[c + m] = (byte) (w >> 4 * m & 15);
                }
                for (int g = 0; g < 2; g++) {
                    int w = quants[so + (4 + g) * ROWS], c = 16 * s + 8 * g;
                    for (int m = 0; m < 8; m++) q[c + m] |= (byte) ((w >> 2 * m & 3) << 4);
                }
            }
            for (int h = 0; h < 2; h++) { // ql[64h + l]: columns 128h + l (low), + 64 (high); ql[64h + 32 + l]: + 32, + 96
                for (int l = 0; l < 32; l++) {
                    int c = 128 * h + l;
                    dst[o + 64 * h + l] = (byte) (q[c] & 15 | (q[c + 64] & 15) << 4);
                    dst[o + 64 * h + 32 + l] = (byte) (q[c + 32] & 15 | (q[c + 96] & 15) << 4);
                    dst[o + 128 + 32 * h + l] = (byte) (q[c] >> 4 | (q[c + 32] >> 4) << 2 | (q[c + 64] >> 4) << 4 | (q[c + 96] >> 4) << 6);
                }
            }
            for (int s = 0; s < 16; s++) dst[o + 192 + s] = scales[(blk * 16 + s) * ROWS + lane];
            short h = Float.floatToFloat16(d[blk * ROWS + lane]);
            dst[o + 208] = (byte) h;
            dst[o + 209] = (byte) (h >> 8);
        }
    }

    /** The 6-bit code (0..63) of column c of a Q6_K super-block, as ggml's dequantize_row_q6_K reads it. */
    static int code(byte[] sb, int c) {
        int h = c / 128, j = c % 128 / 32, l = c % 32;
        int ql = sb[64 * h + (j & 1) * 32 + l] & 0xFF, qh = sb[128 + 32 * h + l] & 0xFF;
        return (j < 2 ? ql & 15 : ql >> 4) | (qh >> 2 * j & 3) << 4;
    }

    @Override
    int tableShorts() {
        return TAB * cols + TAB * cols / 2;
    }

    @Override
    void buildTables(short[] q, int ao, MemorySegment tab) {
        for (int c = 0; c < cols; c++) {
            short x = q[ao + c];
            LO.mul(x).intoMemorySegment(tab, 2L * TAB * c, LE);
        }
        for (int c = 0; c < cols; c += 2) { // after the low nibbles' tables: one per pair of columns
            PAIR0.mul(q[ao + c]).add(PAIR1.mul(q[ao + c + 1])).intoMemorySegment(tab, 2L * TAB * (cols + c / 2), LE);
        }
    }

    /**
     * The super-block's integer sums and the float sums stay in memory between calls of {@link #sub} (one
     * method for the whole super-block was past C2's inlining node limit: its vector calls stayed calls, 8x
     * slower).
     */
    @Override
    void quad(int rb, MemorySegment tab, Q8KActivations a, int t, Scratch scratch) {
        float[] sums = scratch.sums();
        int[] ints = scratch.ints();
        int dstride = blocks * ROWS;
        java.util.Arrays.fill(sums, 0, QUAD * ROWS, 0f);
        for (int b = 0; b < blocks; b++) {
            java.util.Arrays.fill(ints, 0, QUAD * ROWS, 0);
            for (int s = 0; s < 16; s++) sub(rb, b, s, tab, scratch.shorts(), ints);
            float x = a.d()[t * blocks + b];
            int dd = (rb * blocks + b) * ROWS;
            for (int k = 0; k < QUAD; k++) {
                fmaStep(ints, 32 * k, d, dd + k * dstride, x, sums);
                fmaStep(ints, 32 * k + 16, d, dd + k * dstride + 16, x, sums);
            }
        }
    }

    /**
     * Sub-block s of super-block b (low nibbles from vectors 0-3, high pairs from 4 and 5) for row blocks
     * rb .. rb + 3, times the rows' scales, added to ints. (One call per sub-block, not per half: the scale
     * step, a quarter of the work per half, runs half as often; probe 128256 x 2560, 2 threads: 0.75-0.8x
     * the time.)
     */
    private void sub(int rb, int b, int s, MemorySegment tab, short[] shorts, int[] ints) {
        int stride = blocks * BLOCK;
        int q0 = (rb * blocks + b) * BLOCK + s * SUB, q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride;
        long to = 2L * TAB * (256 * b + 16 * s);
        ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int v = 0; v < 4; v++) {
            int o = v * ROWS;
            IntVector w0 = load(q0 + o), w1 = load(q1 + o), w2 = load(q2 + o), w3 = load(q3 + o);
            for (int m = 0; m < 4; m++) {
                ShortVector tv = ShortVector.fromMemorySegment(S, tab, to + 2L * TAB * (4 * v + m), LE);
                a0 = idx(w0, 4 * m).selectFrom(tv).add(a0);
                a1 = idx(w1, 4 * m).selectFrom(tv).add(a1);
                a2 = idx(w2, 4 * m).selectFrom(tv).add(a2);
                a3 = idx(w3, 4 * m).selectFrom(tv).add(a3);
            }
        }
        // the high pairs: nibble m of vector 4 + h holds columns 8h + 2m and 8h + 2m + 1's pairs, one lookup
        // in their joint table (entries (h0 - 2) a + (h1 - 2) a', |e| <= 508; eight to 4064; x 16 in addScaled)
        long tp = 2L * TAB * (cols + (256 * b + 16 * s) / 2);
        ShortVector c0 = ShortVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int h = 0; h < 2; h++) {
            int o = (4 + h) * ROWS;
            IntVector w0 = load(q0 + o), w1 = load(q1 + o), w2 = load(q2 + o), w3 = load(q3 + o);
            for (int m = 0; m < 4; m++) {
                ShortVector tv = ShortVector.fromMemorySegment(S, tab, tp + 2L * TAB * (4 * h + m), LE);
                c0 = idx(w0, 4 * m).selectFrom(tv).add(c0);
                c1 = idx(w1, 4 * m).selectFrom(tv).add(c1);
                c2 = idx(w2, 4 * m).selectFrom(tv).add(c2);
                c3 = idx(w3, 4 * m).selectFrom(tv).add(c3);
            }
        }
        // the short sums go through memory to addScaled (C2 leaves that call out past its inlining node limit;
        // vectors passed to a call it does not inline are boxed, ~3x slower)
        ZS.add(a0).intoArray(shorts, 0);
        ZS.add(a1).intoArray(shorts, 32);
        ZS.add(a2).intoArray(shorts, 64);
        ZS.add(a3).intoArray(shorts, 96);
        ZS.add(c0).intoArray(shorts, 128);
        ZS.add(c1).intoArray(shorts, 160);
        ZS.add(c2).intoArray(shorts, 192);
        ZS.add(c3).intoArray(shorts, 224);
        addScaled(shorts, ((rb * blocks + b) * 16 + s) * ROWS, blocks * 16 * ROWS, ints);
    }

    /**
     * ints[32 k + i] += (shorts[32 k + i] + 16 shorts[128 + 32 k + i]) times row block k's scale of lane i (at
     * so + k sstride), k = 0..3.
     */
    private void addScaled(short[] shorts, int so, int sstride, int[] ints) {
        for (int k = 0; k < QUAD; k++) {
            ShortVector a = ShortVector.fromArray(S, shorts, 32 * k), c = ShortVector.fromArray(S, shorts, 128 + 32 * k);
            int io = 32 * k, sk = so + k * sstride;
            IntVector sum = ((IntVector) a.convertShape(VectorOperators.S2I, I, 0)).add(((IntVector) c.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 4));
            IntVector.fromArray(I, ints, io).add(sum.mul(scale(sk, 0))).intoArray(ints, io);
            sum = ((IntVector) a.convertShape(VectorOperators.S2I, I, 1)).add(((IntVector) c.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 4));
            IntVector.fromArray(I, ints, io + 16).add(sum.mul(scale(sk, 16))).intoArray(ints, io + 16);
        }
    }

    private IntVector load(int o) {
        return (IntVector) ShortVector.fromArray(S, quants, o).reinterpretAsInts();
    }

    /** The scales of 16 rows of a sub-block as int lanes. */
    private IntVector scale(int so, int lane) {
        return (IntVector) ByteVector.fromArray(B16, scales, so + lane).convertShape(VectorOperators.B2I, I, 0);
    }
}
