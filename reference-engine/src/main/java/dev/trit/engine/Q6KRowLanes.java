package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Q6_K matrix repacked on the heap with 32 rows in the vector lanes, and its one-token integer product
 * (decode: the LM head of llama-quantize's ternary files, ~45% of a token with the row-wise kernel).
 *
 * <p>Layout, per block of 32 rows and super-block of 256 columns, per sub-block s of 16 columns: four
 * 32-short vectors whose lane i holds the low nibbles of row i's columns 16s + 4v .. 16s + 4v + 3 (bits
 * 4m .. 4m + 3), then two whose lane i holds the high bit pairs of columns 16s + 8g .. 16s + 8g + 7 (bits
 * 2m, 2m + 1): 6 bits a weight, as in the file. Beside them the sub-blocks' int8 scales ([16][32] bytes) and
 * the super-block's d as floats ([32]): 6784 bytes per 32 rows and super-block against 6720 in the file.
 *
 * <p>The product: per token and column c, two 32-short tables, the low nibble's n x a_c and the high pair's
 * (16 h - 32) x a_c (entries repeating with period 16 and 4); the weight q - 32 = n + 16 h - 32, so one
 * table lookup per nibble and per pair. A nibble's index is the vector shifted right by 4m as int lanes and
 * left unmasked: the permute (vpermw) reads each lane's index modulo 32, and the bits above the nibble (or
 * pair) only pick a copy of the table. A column's two lookups add to at most 32 x 127 in magnitude, eight
 * columns' to 32512 (|a| <= 127, {@link LlamaCppActivations#q8K}), so each half sub-block sums in short lanes,
 * then both halves in int lanes, times the row's scale (int lanes), into the super-block's exact integer sum.
 * Four row blocks share each table load.
 *
 * <p>The result per row is {@link Q8KDots#q6kScalar}'s: the super-block's exact integer sum, then
 * f = fma(sum, fp16(d) x d_act, f) over the super-blocks in order, so bit-identical to the row-wise kernels
 * (Q6KRowLanesTest).
 */
final class Q6KRowLanes {
    static final int ROWS = 32;
    /** Row blocks sharing one pass over a sub-block's tables (a unit of work); the repack pads to whole units. */
    private static final int QUAD = 4;
    /** Bytes of the window a page fault maps around it (Linux's fault_around_bytes default). */
    private static final long FAULT_AROUND = 64 << 10;
    /** Shorts per sub-block per row block: 4 vectors of low nibbles, 2 of high pairs. */
    private static final int SUB = 6 * ROWS;
    /** Shorts per super-block per row block. */
    private static final int BLOCK = 16 * SUB;
    /** Shorts of the tables per column: the low nibble's, then the high pair's. */
    private static final int TAB = 2 * ROWS;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Needs 32 short lanes; -Dtrit.rowWiseQ6K=true keeps the row-wise kernel (A/B). */
    static final boolean SUPPORTED = ShortVector.SPECIES_PREFERRED.length() == ROWS && !Boolean.getBoolean("trit.rowWiseQ6K");
    /** Table entry e: e mod 16 (the low nibble), 16 (e mod 4) - 32 (the high pair, with the code's offset). */
    private static final ShortVector LO = entries(16, 1, 0), HI = entries(4, 16, -32);

    private static ShortVector entries(int period, int step, int offset) {
        short[] e = new short[ROWS];
        for (int i = 0; i < ROWS; i++) e[i] = (short) (i % period * step + offset);
        return ShortVector.fromArray(S, e, 0);
    }

    final int rows, cols;
    private final int blocks, rowBlocks;
    /** [row block][super-block][sub-block][6 vectors][32 lanes] */
    private final short[] quants;
    /** [row block][super-block][sub-block][32 lanes] */
    private final byte[] scales;
    /** [row block][super-block][32 lanes] */
    private final float[] d;

    private Q6KRowLanes(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / 256;
        this.rowBlocks = (rows + QUAD * ROWS - 1) / (QUAD * ROWS) * QUAD;
        this.quants = new short[rowBlocks * blocks * BLOCK];
        this.scales = new byte[rowBlocks * blocks * 16 * ROWS];
        this.d = new float[rowBlocks * blocks * ROWS];
    }

    /** Whether a rows x cols matrix fits the repack's arrays. */
    static boolean fits(int rows, int cols) {
        long rowBlocks = (rows + (long) QUAD * ROWS - 1) / (QUAD * ROWS) * QUAD;
        return rowBlocks * (cols / 256) * BLOCK <= Integer.MAX_VALUE - 64;
    }

    /** Bytes the repack holds. */
    long heapBytes() {
        return 2L * quants.length + scales.length + 4L * d.length;
    }

    /**
     * The repack of w (Q6_K), reading its rows from data at w's row offsets, row blocks in parallel; after
     * each row block, unload (if not null) is given the block's byte range of data (rows stored in order
     * only) so that a mapping's pages can go as they are copied.
     */
    static Q6KRowLanes of(StoredMatrix w, MemorySegment data, java.util.function.BiConsumer<Long, Long> unload, Parallel parallel) {
        if (w.encoding() != StoredMatrix.Encoding.Q6_K) throw new IllegalArgumentException(w.encoding() + " is not Q6_K");
        if (!fits(w.rows(), w.cols())) throw new IllegalArgumentException("matrix too large for the row-lane repack");
        Q6KRowLanes p = new Q6KRowLanes(w.rows(), w.cols());
        long rowBytes = w.encoding().rowBytes(w.cols());
        int used = (w.rows() + ROWS - 1) / ROWS;
        parallel.forPieces(used, 64, (from, to) -> {
            byte[] sb = new byte[210];
            for (int rb = from; rb < to; rb++) {
                int r0 = rb * ROWS, r1 = Math.min(w.rows(), r0 + ROWS);
                for (int r = r0; r < r1; r++) p.repackRow(sb, data, w.rowOffset(r), rb, r - r0);
                // from 64 KB before the block: a page fault maps the 64 KB-aligned window around it (the kernel's
                // fault-around), so the block's first faults map the previous block's last pages again (dropped
                // block by block without this, half the matrix stayed resident)
                long start = Math.max(0, r0 * rowBytes - FAULT_AROUND);
                if (unload != null && w.rowOrder() == null) unload.accept(start, r1 * rowBytes - start);
            }
        });
        if (unload != null) unload.accept(0L, w.storedBytes()); // the pieces' edges, and any row order
        return p;
    }

    /** The row at ro of data into lane `lane` of row block rb. */
    private void repackRow(byte[] sb, MemorySegment data, long ro, int rb, int lane) {
        for (int b = 0; b < blocks; b++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, ro + 210L * b, sb, 0, 210);
            int blk = rb * blocks + b, qo = blk * BLOCK;
            for (int c = 0; c < 256; c++) {
                int q = code(sb, c), s = c / 16, cc = c % 16;
                quants[qo + s * SUB + (cc / 4) * ROWS + lane] |= (short) ((q & 15) << 4 * (cc % 4));
                quants[qo + s * SUB + (4 + cc / 8) * ROWS + lane] |= (short) ((q >> 4) << 2 * (cc % 8));
            }
            for (int s = 0; s < 16; s++) scales[(blk * 16 + s) * ROWS + lane] = sb[192 + s];
            d[blk * ROWS + lane] = Float.float16ToFloat((short) (sb[208] & 0xFF | sb[209] << 8));
        }
    }

    /** The 6-bit code (0..63) of column c of a Q6_K super-block, as ggml's dequantize_row_q6_K reads it. */
    static int code(byte[] sb, int c) {
        int h = c / 128, j = c % 128 / 32, l = c % 32;
        int ql = sb[64 * h + (j & 1) * 32 + l] & 0xFF, qh = sb[128 + 32 * h + l] & 0xFF;
        return (j < 2 ? ql & 15 : ql >> 4) | (qh >> 2 * j & 3) << 4;
    }

    /** Per calling thread: the tables of its current call (built by it, read by the workers). */
    private static final ThreadLocal<MemorySegment[]> TABLES = ThreadLocal.withInitial(() -> new MemorySegment[] {MemorySegment.NULL});
    /** Per thread: one unit's float sums. */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[QUAD * ROWS]);
    /** Per thread: one unit's integer sums over the current super-block. */
    private static final ThreadLocal<int[]> INTS = ThreadLocal.withInitial(() -> new int[QUAD * ROWS]);
    /** Per thread: one half sub-block's short sums. */
    private static final ThreadLocal<short[]> SHORTS = ThreadLocal.withInitial(() -> new short[QUAD * ROWS]);

    /** y[r] = row r . token t of a, for every row (as {@link Q8KDots#q6kScalar}). */
    void product(Q8KActivations a, int t, float[] y, int yo, Parallel parallel) {
        if (a.cols() != cols) throw new IllegalArgumentException("activations have " + a.cols() + " columns, the matrix " + cols);
        long bytes = 2L * TAB * cols;
        MemorySegment[] held = TABLES.get();
        if (held[0].byteSize() < bytes) held[0] = VectorKernels.alignedScratch(bytes);
        MemorySegment tab = held[0];
        short[] q = a.q();
        int ao = t * cols;
        for (int c = 0; c < cols; c++) {
            short x = q[ao + c];
            LO.mul(x).intoMemorySegment(tab, 2L * TAB * c, LE);
            HI.mul(x).intoMemorySegment(tab, 2L * TAB * c + 2 * ROWS, LE);
        }
        float[] ad = a.d();
        int dOff = t * blocks, units = rowBlocks / QUAD;
        parallel.forPieces(units, Math.max(1, units / (8 * parallel.threads())), (from, to) -> {
            float[] sums = SUMS.get();
            int[] ints = INTS.get();
            short[] shorts = SHORTS.get();
            for (int u = from; u < to; u++) {
                quad(u * QUAD, tab, ad, dOff, sums, shorts, ints);
                int r0 = u * QUAD * ROWS, n = Math.min(QUAD * ROWS, rows - r0);
                System.arraycopy(sums, 0, y, yo + r0, n);
            }
        });
    }

    /**
     * Row blocks rb .. rb + 3: sums[32 k + i] = row 32 (rb + k) + i's product. The super-block's integer
     * sums and the float sums stay in memory between calls of {@link #half} (one method for the whole
     * super-block was past C2's inlining node limit: its vector calls stayed calls, 8x slower).
     */
    private void quad(int rb, MemorySegment tab, float[] ad, int dOff, float[] sums, short[] shorts, int[] ints) {
        int dstride = blocks * ROWS;
        java.util.Arrays.fill(sums, 0f);
        for (int b = 0; b < blocks; b++) {
            java.util.Arrays.fill(ints, 0);
            for (int s = 0; s < 16; s++) {
                half(rb, b, s, 0, tab, shorts, ints);
                half(rb, b, s, 1, tab, shorts, ints);
            }
            float x = ad[dOff + b];
            int dd = (rb * blocks + b) * ROWS;
            for (int k = 0; k < QUAD; k++) {
                for (int part = 0; part < 2; part++) {
                    int so = 32 * k + 16 * part;
                    ((FloatVector) IntVector.fromArray(I, ints, so).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, d, dd + k * dstride + 16 * part).mul(x), FloatVector.fromArray(F, sums, so)).intoArray(sums, so);
                }
            }
        }
    }

    /**
     * Half h of sub-block s of super-block b (its columns 8h .. 8h + 7: low nibbles from vectors 2h, 2h + 1,
     * high pairs from vector 4 + h) for row blocks rb .. rb + 3, times the rows' scales, added to ints.
     */
    private void half(int rb, int b, int s, int h, MemorySegment tab, short[] shorts, int[] ints) {
        int stride = blocks * BLOCK;
        int q0 = (rb * blocks + b) * BLOCK + s * SUB, q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride;
        long to = 2L * TAB * (256 * b + 16 * s + 8 * h);
        ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int v = 0; v < 2; v++) {
            int o = (2 * h + v) * ROWS;
            IntVector w0 = load(q0 + o), w1 = load(q1 + o), w2 = load(q2 + o), w3 = load(q3 + o);
            for (int m = 0; m < 4; m++) {
                ShortVector tv = ShortVector.fromMemorySegment(S, tab, to + 2L * TAB * (4 * v + m), LE);
                a0 = a0.add(idx(w0, 4 * m).selectFrom(tv));
                a1 = a1.add(idx(w1, 4 * m).selectFrom(tv));
                a2 = a2.add(idx(w2, 4 * m).selectFrom(tv));
                a3 = a3.add(idx(w3, 4 * m).selectFrom(tv));
            }
        }
        int o = (4 + h) * ROWS;
        IntVector w0 = load(q0 + o), w1 = load(q1 + o), w2 = load(q2 + o), w3 = load(q3 + o);
        for (int m = 0; m < 8; m++) {
            ShortVector tv = ShortVector.fromMemorySegment(S, tab, to + 2L * TAB * m + 2 * ROWS, LE);
            a0 = a0.add(idx(w0, 2 * m).selectFrom(tv));
            a1 = a1.add(idx(w1, 2 * m).selectFrom(tv));
            a2 = a2.add(idx(w2, 2 * m).selectFrom(tv));
            a3 = a3.add(idx(w3, 2 * m).selectFrom(tv));
        }
        // the short sums go through memory to addScaled: inlined here, the method was past C2's inlining node
        // limit and the vector calls past it stayed calls (boxed vectors, ~3x slower)
        a0.intoArray(shorts, 0);
        a1.intoArray(shorts, 32);
        a2.intoArray(shorts, 64);
        a3.intoArray(shorts, 96);
        addScaled(shorts, ((rb * blocks + b) * 16 + s) * ROWS, blocks * 16 * ROWS, ints);
    }

    /** ints[32 k + i] += shorts[32 k + i] times row block k's scale of lane i (at so + k sstride), k = 0..3. */
    private void addScaled(short[] shorts, int so, int sstride, int[] ints) {
        for (int k = 0; k < QUAD; k++) {
            ShortVector a = ShortVector.fromArray(S, shorts, 32 * k);
            int io = 32 * k, sk = so + k * sstride;
            IntVector.fromArray(I, ints, io).add(((IntVector) a.convertShape(VectorOperators.S2I, I, 0)).mul(scale(sk, 0))).intoArray(ints, io);
            IntVector.fromArray(I, ints, io + 16).add(((IntVector) a.convertShape(VectorOperators.S2I, I, 1)).mul(scale(sk, 16))).intoArray(ints, io + 16);
        }
    }

    private IntVector load(int o) {
        return (IntVector) ShortVector.fromArray(S, quants, o).reinterpretAsInts();
    }

    /** The vector shifted right by n as int lanes (one instruction; see the class comment), as short lanes. */
    private static ShortVector idx(IntVector w, int n) {
        return (ShortVector) w.lanewise(VectorOperators.LSHR, n).reinterpretAsShorts();
    }

    /** The scales of 16 rows of a sub-block as int lanes. */
    private IntVector scale(int so, int lane) {
        return (IntVector) ByteVector.fromArray(B16, scales, so + lane).convertShape(VectorOperators.B2I, I, 0);
    }
}
