package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decode form of BitLinear (few tokens) with weight rows in the vector lanes, over the matrices stored
 * interleaved in base 3 ({@link TernaryMatrix#LANES} = 32): one 32-short vector holds the same packed short of
 * 32 rows, three 5-bit fields of three columns each. Per token, every group of three columns has a table of the
 * 27 sums (d0 - 1) x0 + (d1 - 1) x1 + (d2 - 1) x2 over the field's value d0 + 3 d1 + 9 d2, one 32-short vector
 * (as {@link RowLaneKernels}' tables). A field's index is the short shifted right by 5f, unmasked: the permute
 * ({@code selectFrom}, vpermw) reads each lane's index modulo 32. So one permute and one add give 32 rows'
 * partial sums over 3 columns; four row blocks share each table load. Against the 2-bit layout's kernel (two
 * columns per permute, a short of 8 columns): 11% fewer bytes per weight (memory-bound here) and a third
 * fewer permutes; probe (random 6912 x 2560 matrices, 2 threads, from memory): the same GB/s, so ~10% less
 * time per matrix.
 *
 * <p>The sums are the same exact integers, so the outputs are bit-identical: sum(trit * x) in short lanes
 * over at most 64 lookups per accumulator (|entry| <= 3 * 128; 64 * 384 < 2^15), widened into int lanes
 * every 32 shorts.
 */
final class RowLaneDecode {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int ROWS = 32;
    /** Row blocks sharing one pass over the tables (a unit of work). */
    private static final int QUAD = 4;
    /** Packed shorts per short-lane run: at most two lookups per short per accumulator, 64 * 3 * 128 < 2^15. */
    private static final int RUN = 32;
    /** Bytes of the tables per packed short: three 32-short tables. */
    private static final long TABLES_PER_SHORT = 3 * 64;
    /** Entry e of a table: sum_k (digit_k(e) - 1) x_k (entries 27..31 zero): {@link RowLaneKernels}' digits. */
    private static final ShortVector D0 = RowLaneKernels.digits(0), D1 = RowLaneKernels.digits(1), D2 = RowLaneKernels.digits(2);
    /**
     * Zeros as receivers. A vector op on a loop-carried vector (a phi, whose class C2 does not know while parsing)
     * is devirtualized only by the type profile of the Vector API's shared code; when that profile was thin or
     * mixed at compile time the op stayed a call on boxed vectors (2B4T I2_S decode 18-25 against 30-37 tok/s,
     * 26-46 MB allocated per token, in about one JVM in three; JFR: IntVector.add and convertShape in this
     * method's widening). So every op here has a receiver fresh from an intrinsic or a constant: new terms add
     * the sums (x.add(sum)), and a sum that must be a receiver is ZS.add(sum) first.
     */
    private static final ShortVector ZS = ShortVector.zero(S);
    private static final IntVector ZI = IntVector.zero(I);

    private final Parallel parallel;
    /** The current call's tables: [token][packed short][3] 64-byte entries (one per group of 3 columns); built by the calling thread, read by all. */
    private MemorySegment tables = MemorySegment.NULL;
    /** The current call's first unit of each matrix (kept: decode allocates next to nothing per token). */
    private int[] first = new int[4];
    /** Per thread: one unit's integer sums. */
    private static final ThreadLocal<int[]> SUMS = ThreadLocal.withInitial(() -> new int[QUAD * ROWS]);

    RowLaneDecode(Parallel parallel) {
        this.parallel = parallel;
    }

    /**
     * ys[m][t * rows + r] = (sum_c trit(r, c) * q[t][c]) * scale / xs[t] for matrices sharing their input
     * (stored interleaved), as the other decode kernels compute it.
     */
    void products(TernaryMatrix[] ws, QuantizedActivations x, float[][] ys) {
        if (TernaryMatrix.LANES != ROWS) throw new IllegalStateException("the row-lane decode needs matrices stored in blocks of 32 rows");
        int cols = ws[0].cols(), rowShorts = ws[0].rowShorts(), tokens = x.tokens();
        if (x.cols() != cols) throw new IllegalArgumentException("activations have " + x.cols() + " columns, matrix " + cols);
        long perToken = TABLES_PER_SHORT * rowShorts;
        if (tables.byteSize() < perToken * tokens) tables = VectorKernels.alignedScratch(perToken * tokens);
        MemorySegment tab = tables;
        for (int t = 0; t < tokens; t++) buildTables(x.q(), t * cols, cols, rowShorts, tab, t * perToken);
        if (first.length < ws.length + 1) first = new int[ws.length + 1];
        int[] first = this.first; // the first unit (QUAD row blocks) of each matrix
        for (int m = 0; m < ws.length; m++) first[m + 1] = first[m] + (ws[m].rows() + QUAD * ROWS - 1) / (QUAD * ROWS);
        int units = first[ws.length];
        parallel.forPieces(units, Math.max(1, units / (8 * parallel.threads())),
                (from, to) -> run(ws, first, tab, perToken, x, ys, from, to));
    }

    /** Tables of one token: for group g (columns 3g .. 3g + 2), D0 x[3g] + D1 x[3g + 1] + D2 x[3g + 2] (columns past the row: 0). */
    private static void buildTables(short[] q, int xo, int cols, int rowShorts, MemorySegment tab, long to) {
        for (int g = 0, c = 0; g < 3 * rowShorts; g++, c += 3) {
            short x0 = c < cols ? q[xo + c] : 0, x1 = c + 1 < cols ? q[xo + c + 1] : 0, x2 = c + 2 < cols ? q[xo + c + 2] : 0;
            D0.mul(x0).add(D1.mul(x1)).add(D2.mul(x2)).intoMemorySegment(tab, to + 64L * g, LE);
        }
    }

    /** Units [from, to) (in order through the matrices), every token. */
    private static void run(TernaryMatrix[] ws, int[] first, MemorySegment tab, long perToken, QuantizedActivations x, float[][] ys, int from, int to) {
        int[] sums = SUMS.get();
        int m = 0;
        for (int u = from; u < to; u++) {
            while (u >= first[m + 1]) m++;
            TernaryMatrix w = ws[m];
            int rows = w.rows(), rb = (u - first[m]) * QUAD, blocks = Math.min(QUAD, (rows + ROWS - 1) / ROWS - rb);
            for (int t = 0; t < x.tokens(); t++) {
                if (blocks == QUAD) quad(w.packed(), w.rowShorts(), rb, tab, t * perToken, sums);
                else for (int k = 0; k < blocks; k++) single(w.packed(), w.rowShorts(), rb + k, tab, t * perToken, sums, k * ROWS);
                float scale = w.scale(), xs = x.scale()[t];
                float[] y = ys[m];
                int r0 = rb * ROWS, n = Math.min(blocks * ROWS, rows - r0), yo = t * rows + r0;
                for (int i = 0; i < n; i++) y[yo + i] = (float) sums[i] * scale / xs;
            }
        }
    }

    /**
     * Row blocks rb .. rb + 3 over one token's tables (at tb): sums[32 k + i] = sum_c trit * x of row
     * 32 (rb + k) + i. Written out without helpers taking vectors (C2 allocates a vector passed to a call it
     * does not inline).
     */
    private static void quad(short[] packed, int rowShorts, int rb, MemorySegment tab, long tb, int[] sums) {
        int stride = rowShorts * ROWS, b0 = rb * stride, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride;
        IntVector t00 = IntVector.zero(I), t01 = t00, t10 = t00, t11 = t00, t20 = t00, t21 = t00, t30 = t00, t31 = t00;
        for (int p0 = 0; p0 < rowShorts; p0 += RUN) {
            int p1 = Math.min(rowShorts, p0 + RUN);
            ShortVector a00 = ShortVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int p = p0; p < p1; p++) {
                int o = p * ROWS;
                IntVector w0 = (IntVector) ShortVector.fromArray(S, packed, b0 + o).reinterpretAsInts();
                IntVector w1 = (IntVector) ShortVector.fromArray(S, packed, b1 + o).reinterpretAsInts();
                IntVector w2 = (IntVector) ShortVector.fromArray(S, packed, b2 + o).reinterpretAsInts();
                IntVector w3 = (IntVector) ShortVector.fromArray(S, packed, b3 + o).reinterpretAsInts();
                long to = tb + TABLES_PER_SHORT * p;
                // field 0 (bits 0-4); the shifts are int-lane shifts (one instruction each): a short's low 5 bits
                // after them are its own field (the high short's bits come from within it)
                ShortVector tv = ShortVector.fromMemorySegment(S, tab, to, LE);
                a00 = ((ShortVector) w0.reinterpretAsShorts()).selectFrom(tv).add(a00);
                a10 = ((ShortVector) w1.reinterpretAsShorts()).selectFrom(tv).add(a10);
                a20 = ((ShortVector) w2.reinterpretAsShorts()).selectFrom(tv).add(a20);
                a30 = ((ShortVector) w3.reinterpretAsShorts()).selectFrom(tv).add(a30);
                tv = ShortVector.fromMemorySegment(S, tab, to + 64, LE);
                a01 = ((ShortVector) w0.lanewise(VectorOperators.LSHR, 5).reinterpretAsShorts()).selectFrom(tv).add(a01);
                a11 = ((ShortVector) w1.lanewise(VectorOperators.LSHR, 5).reinterpretAsShorts()).selectFrom(tv).add(a11);
                a21 = ((ShortVector) w2.lanewise(VectorOperators.LSHR, 5).reinterpretAsShorts()).selectFrom(tv).add(a21);
                a31 = ((ShortVector) w3.lanewise(VectorOperators.LSHR, 5).reinterpretAsShorts()).selectFrom(tv).add(a31);
                tv = ShortVector.fromMemorySegment(S, tab, to + 128, LE);
                a00 = ((ShortVector) w0.lanewise(VectorOperators.LSHR, 10).reinterpretAsShorts()).selectFrom(tv).add(a00);
                a10 = ((ShortVector) w1.lanewise(VectorOperators.LSHR, 10).reinterpretAsShorts()).selectFrom(tv).add(a10);
                a20 = ((ShortVector) w2.lanewise(VectorOperators.LSHR, 10).reinterpretAsShorts()).selectFrom(tv).add(a20);
                a30 = ((ShortVector) w3.lanewise(VectorOperators.LSHR, 10).reinterpretAsShorts()).selectFrom(tv).add(a30);
            }
            // the loop-carried sums become receivers only through ZS/ZI (exact types; see ZS)
            a00 = ZS.add(a00);
            a01 = ZS.add(a01);
            a10 = ZS.add(a10);
            a11 = ZS.add(a11);
            a20 = ZS.add(a20);
            a21 = ZS.add(a21);
            a30 = ZS.add(a30);
            a31 = ZS.add(a31);
            t00 = ((IntVector) a00.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) a01.convertShape(VectorOperators.S2I, I, 0)).add(t00);
            t01 = ((IntVector) a00.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) a01.convertShape(VectorOperators.S2I, I, 1)).add(t01);
            t10 = ((IntVector) a10.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) a11.convertShape(VectorOperators.S2I, I, 0)).add(t10);
            t11 = ((IntVector) a10.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) a11.convertShape(VectorOperators.S2I, I, 1)).add(t11);
            t20 = ((IntVector) a20.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) a21.convertShape(VectorOperators.S2I, I, 0)).add(t20);
            t21 = ((IntVector) a20.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) a21.convertShape(VectorOperators.S2I, I, 1)).add(t21);
            t30 = ((IntVector) a30.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) a31.convertShape(VectorOperators.S2I, I, 0)).add(t30);
            t31 = ((IntVector) a30.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) a31.convertShape(VectorOperators.S2I, I, 1)).add(t31);
        }
        ZI.add(t00).intoArray(sums, 0);
        ZI.add(t01).intoArray(sums, 16);
        ZI.add(t10).intoArray(sums, 32);
        ZI.add(t11).intoArray(sums, 48);
        ZI.add(t20).intoArray(sums, 64);
        ZI.add(t21).intoArray(sums, 80);
        ZI.add(t30).intoArray(sums, 96);
        ZI.add(t31).intoArray(sums, 112);
    }

    /** One row block rb (a matrix's last, fewer than four): sums[so + i] as {@link #quad}. */
    private static void single(short[] packed, int rowShorts, int rb, MemorySegment tab, long tb, int[] sums, int so) {
        int b0 = rb * rowShorts * ROWS;
        IntVector t0 = IntVector.zero(I), t1 = t0;
        for (int p0 = 0; p0 < rowShorts; p0 += RUN) {
            int p1 = Math.min(rowShorts, p0 + RUN);
            ShortVector a0 = ShortVector.zero(S), a1 = a0;
            for (int p = p0; p < p1; p++) {
                IntVector w0 = (IntVector) ShortVector.fromArray(S, packed, b0 + p * ROWS).reinterpretAsInts();
                long to = tb + TABLES_PER_SHORT * p;
                a0 = ((ShortVector) w0.reinterpretAsShorts()).selectFrom(ShortVector.fromMemorySegment(S, tab, to, LE)).add(a0);
                a1 = ((ShortVector) w0.lanewise(VectorOperators.LSHR, 5).reinterpretAsShorts()).selectFrom(ShortVector.fromMemorySegment(S, tab, to + 64, LE)).add(a1);
                a0 = ((ShortVector) w0.lanewise(VectorOperators.LSHR, 10).reinterpretAsShorts()).selectFrom(ShortVector.fromMemorySegment(S, tab, to + 128, LE)).add(a0);
            }
            a0 = ZS.add(a0);
            a1 = ZS.add(a1);
            t0 = ((IntVector) a0.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) a1.convertShape(VectorOperators.S2I, I, 0)).add(t0);
            t1 = ((IntVector) a0.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) a1.convertShape(VectorOperators.S2I, I, 1)).add(t1);
        }
        ZI.add(t0).intoArray(sums, so);
        ZI.add(t1).intoArray(sums, so + 16);
    }
}
