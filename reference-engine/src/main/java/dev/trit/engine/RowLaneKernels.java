package dev.trit.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill form of BitLinear for the packed matrices ({@link TernaryMatrix}) with weight rows in the
 * vector lanes: per token, each group of three columns has a table of the 27 signed sums of their
 * activations (one 32-short vector), and the three trits of 32 rows make one base-3 index per lane
 * (c0 + 3 c1 + 9 c2, c = trit + 1), so one in-register permute ({@code selectFrom}, vpermw) gives 32 rows' partial sums
 * for 3 columns: 96 multiply-adds per permute, against 128 per (token-lane) table load and add of the
 * lookup kernel of {@link VectorKernels}, which also spends about as many scalar instructions per load on
 * the packed byte's index. The sums are the same exact integers, so the results are bit-identical.
 *
 * <p>The indices: where {@link TernaryMatrix} stores the rows interleaved in base 3 ({@link TernaryMatrix#LANES}
 * = 32) each 5-bit field of a packed short is one already, read in place (one int-lane shift); from the
 * row-major 2-bit layout they are made per call (32 bytes per 32 rows and 3 columns), in parallel over row
 * blocks: the 32 rows' shorts transposed, then three codes' 6 bits to base 3 by a 64-entry permute. Then each
 * thread takes its blocks of {@link #TB} tokens and, per chunk of {@link #G} column
 * groups, builds their tables (TB * G * 64 bytes = 32 KB: in L1, which this kernel needs: with 64-256 KB it
 * ran 2.5-6x slower, in a standalone probe) and runs every row block over them, all 8 tokens at once, in short lanes
 * (|sum| <= G * 3 * 128 < 2^15), widened into int accumulators once per chunk.
 *
 * <p>Needs 32-lane short vectors (the 27 entries must fit one); elsewhere the lookup kernel runs.
 */
final class RowLaneKernels {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(LE);

    /** Whether this hardware has the 32-lane short vectors the kernel needs. */
    static final boolean SUPPORTED = ShortVector.SPECIES_PREFERRED.length() == 32;
    /** Rows per block: the lanes. */
    static final int ROWS = 32;
    /** Tokens per table block: the kernel keeps one accumulator per token (written out for 8). */
    static final int TB = 8;
    /**
     * Column groups (of 3) per chunk: 63 * 3 * 128 < 2^15 keeps the short lanes exact, and a chunk is whole
     * packed shorts of the base-3 layout (3 groups each).
     */
    static final int G = 63;
    /** Entry e of a table is sum_k (digit_k(e) - 1) x_k: the digits - 1 of entries 0..26 (27..31 zero). */
    private static final short[][] DIGITS = digitTable();

    /** DIGITS[k] as a vector: entry e holds digit k of e, minus 1 (0 for e >= 27). */
    static ShortVector digits(int k) {
        return ShortVector.fromArray(S, DIGITS[k], 0);
    }

    private static short[][] digitTable() {
        short[][] d = new short[3][ROWS];
        for (int e = 0; e < 27; e++) {
            d[0][e] = (short) (e % 3 - 1);
            d[1][e] = (short) (e / 3 % 3 - 1);
            d[2][e] = (short) (e / 9 - 1);
        }
        return d;
    }

    private final Parallel parallel;
    /** The current matrix's indices: [row block][group] 32 bytes. */
    private MemorySegment index = MemorySegment.NULL;

    RowLaneKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    /** Per-thread scratch: the chunk's tables, the int accumulators, the interleaved shorts of 32 rows. */
    private static final class Scratch {
        MemorySegment tables = VectorKernels.alignedScratch(64L * TB * G);
        MemorySegment acc = MemorySegment.NULL;
        MemorySegment stages = VectorKernels.alignedScratch(4096);
        short[] interleaved = new short[0];
        int[] columns = new int[3 * G];

        MemorySegment acc(long bytes) {
            if (acc.byteSize() < bytes) acc = VectorKernels.alignedScratch(bytes);
            return acc;
        }

        short[] interleaved(int n) {
            if (interleaved.length < n) interleaved = new short[n];
            return interleaved;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A row's packed shorts rounded up to whole triples (24 codes each; the added shorts zero trits). */
    private static int paddedShorts(int rowShorts) {
        return (rowShorts + 2) / 3 * 3;
    }

    /**
     * Column groups of a row: 8 per 3 packed shorts (24 codes), the last ones padding; in the base-3 layout
     * ({@link TernaryMatrix#LANES} = 32) 3 per short, group g being columns 3g .. 3g + 2.
     */
    static int groups(int rowShorts) {
        return TernaryMatrix.LANES == ROWS ? 3 * rowShorts : paddedShorts(rowShorts) / 3 * 8;
    }

    /** y[t * rows + r] = (sum_c trit(r, c) * q[t][c]) * scale / xs[t], as the lookup kernel computes it. */
    void product(TernaryMatrix w, QuantizedActivations x, float[] y) {
        int rows = w.rows(), cols = w.cols(), rowShorts = w.rowShorts(), tokens = x.tokens();
        if (x.cols() != cols) throw new IllegalArgumentException("activations have " + x.cols() + " columns, matrix " + cols);
        int blocks = (rows + ROWS - 1) / ROWS, groups = groups(rowShorts);
        short[] packed = w.packed();
        // stored in base 3, the packed shorts' fields are the indices: the kernel reads them in place (a pass
        // writing them out as bytes first, 1.5x the matrix's bytes, gained nothing on a quiet host and lost
        // where the host's memory was busy: README, eighteenth session); the 2-bit layout's are made here
        boolean inPlace = TernaryMatrix.LANES == ROWS;
        MemorySegment idx = inPlace ? MemorySegment.NULL : index(32L * blocks * groups);
        if (!inPlace) {
            parallel.forRange(blocks, 1, (from, to) -> {
                Scratch sc = SCRATCH.get();
                short[] il = sc.interleaved((paddedShorts(rowShorts) + ROWS) * ROWS);
                for (int rb = from; rb < to; rb++) buildIndex(packed, rows, rowShorts, groups, rb, idx, il, sc.stages);
            });
        }
        short[] fields = inPlace ? packed : null;
        int tokenBlocks = (tokens + TB - 1) / TB;
        float scale = w.scale();
        if (tokenBlocks >= parallel.threads()) {
            parallel.forRange(tokenBlocks, 1, (from, to) -> run(idx, fields, rowShorts, groups, blocks, x, rows, cols, scale, from, to, 0, blocks, y));
        } else {
            parallel.forRange(blocks, 1, (from, to) -> run(idx, fields, rowShorts, groups, blocks, x, rows, cols, scale, 0, tokenBlocks, from, to, y));
        }
    }

    /** The index buffer of the 2-bit layout, at least bytes long. */
    private MemorySegment index(long bytes) {
        if (index.byteSize() < bytes) index = Arena.ofAuto().allocate(bytes, 64);
        return index;
    }

    /**
     * Row block rb's indices (the row-major 2-bit layout, {@link TernaryMatrix#LANES} = 1): its 32 rows'
     * packed shorts interleaved (il[p * 32 + i] = row i's short p; rows past the matrix and shorts past the
     * row zero trits, 0x5555) by {@link #interleave}, then per 3 shorts
     * (24 codes, code m of a short at bits 2m) 8 indices of consecutive codes, stored as bytes. Written out
     * without helpers taking vectors (as everywhere in the kernels: C2 did not inline them here and ran
     * the Vector API's Java fallbacks, more time than the products themselves).
     */
    private static void buildIndex(short[] packed, int rows, int rowShorts, int groups, int rb, MemorySegment idx, short[] il, MemorySegment stages) {
        int padded = paddedShorts(rowShorts);
        for (int p0 = 0; p0 < padded; p0 += ROWS) interleave(packed, rows, rowShorts, rb, p0, il, stages);
        long base = 32L * rb * groups;
        for (int s = 0; s < padded; s += 3) {
            ShortVector a = ShortVector.fromArray(S, il, s * ROWS), b = ShortVector.fromArray(S, il, (s + 1) * ROWS);
            ShortVector c = ShortVector.fromArray(S, il, (s + 2) * ROWS);
            long o = base + 32L * (s / 3 * 8);
            // three codes' 6 bits, then base 3 by the 64-entry table (two vectors)
            ((ByteVector) a.and(M6).selectFrom(BASE3_LO, BASE3_HI).convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o, LE);
            ((ByteVector) a.lanewise(VectorOperators.LSHR, 6).and(M6).selectFrom(BASE3_LO, BASE3_HI).convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 32, LE);
            ((ByteVector) a.lanewise(VectorOperators.LSHR, 12).or(b.lanewise(VectorOperators.LSHL, 4)).and(M6).selectFrom(BASE3_LO, BASE3_HI)
                    .convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 64, LE);
            ((ByteVector) b.lanewise(VectorOperators.LSHR, 2).and(M6).selectFrom(BASE3_LO, BASE3_HI).convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 96, LE);
            ((ByteVector) b.lanewise(VectorOperators.LSHR, 8).and(M6).selectFrom(BASE3_LO, BASE3_HI).convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 128, LE);
            ((ByteVector) b.lanewise(VectorOperators.LSHR, 14).or(c.lanewise(VectorOperators.LSHL, 2)).and(M6).selectFrom(BASE3_LO, BASE3_HI)
                    .convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 160, LE);
            ((ByteVector) c.lanewise(VectorOperators.LSHR, 4).and(M6).selectFrom(BASE3_LO, BASE3_HI).convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 192, LE);
            ((ByteVector) c.lanewise(VectorOperators.LSHR, 10).selectFrom(BASE3_LO, BASE3_HI).convertShape(VectorOperators.S2B, B, 0)).intoMemorySegment(idx, o + 224, LE);
        }
    }

    private static final short M6 = 63;
    /** Entry v (v = c0 | c1 << 2 | c2 << 4, three 2-bit codes) of the 64-entry table: c0 + 3 c1 + 9 c2; BASE3_LO holds v < 32. */
    private static final ShortVector BASE3_LO = base3(0), BASE3_HI = base3(32);

    private static ShortVector base3(int from) {
        short[] t = new short[ROWS];
        for (int l = 0; l < ROWS; l++) {
            int v = from + l;
            t[l] = (short) ((v & 3) + 3 * (v >>> 2 & 3) + 9 * (v >>> 4 & 3));
        }
        return ShortVector.fromArray(S, t, 0);
    }
    /** Two-vector permutes of a zip: lane 2m + s takes lane m (ZIP_LO) or 16 + m (ZIP_HI) of the first (s = 0) or second vector. */
    private static final ShortVector ZIP_LO = zip(0), ZIP_HI = zip(16);

    private static ShortVector zip(int from) {
        short[] z = new short[ROWS];
        for (int l = 0; l < ROWS; l++) z[l] = (short) ((l & 1) * ROWS + from + (l >>> 1));
        return ShortVector.fromArray(S, z, 0);
    }

    /**
     * Shorts [p0, p0 + 32) of row block rb's 32 rows transposed into il[p * 32 + i]: the 32 rows' vectors
     * zipped 5 times (vector i with i + 16 into 2i and 2i + 1: each zip rotates the 10-bit (row, lane)
     * address left by one, so five transpose), in two 2 KB buffers of stages.
     */
    private static void interleave(short[] packed, int rows, int rowShorts, int rb, int p0, short[] il, MemorySegment stages) {
        int n = Math.min(ROWS, rowShorts - p0); // 32, 16 (rows are whole blocks of 16 shorts) or none
        if (n > 0 && n != ROWS && n != 16) throw new IllegalStateException("rows of " + rowShorts + " shorts are not whole blocks of 16");
        VectorMask<Short> valid = S.indexInRange(0, Math.max(n, 0));
        for (int i = 0; i < ROWS; i++) {
            int r = rb * ROWS + i;
            // no blend here: C2 left this one unintrinsified (JFR: the method allocated a vector per row in
            // steady state, 7.7 GB over a trit ppl run); the masked load's zero lanes take their fill by or
            ShortVector v = r >= rows || n <= 0 ? ZEROS
                    : n == ROWS ? ShortVector.fromArray(S, packed, r * rowShorts + p0)
                    : ShortVector.fromArray(S, packed, r * rowShorts + p0, valid).or(FILL_16);
            v.intoMemorySegment(stages, 64L * i, LE);
        }
        for (int stage = 0; stage < 5; stage++) {
            long from = (stage & 1) * 2048L, to = 2048L - from;
            for (int i = 0; i < 16; i++) {
                ShortVector a = ShortVector.fromMemorySegment(S, stages, from + 64L * i, LE), b = ShortVector.fromMemorySegment(S, stages, from + 64L * (i + 16), LE);
                ShortVector lo = ZIP_LO.selectFrom(a, b), hi = ZIP_HI.selectFrom(a, b);
                if (stage < 4) {
                    lo.intoMemorySegment(stages, to + 128L * i, LE);
                    hi.intoMemorySegment(stages, to + 128L * i + 64, LE);
                } else {
                    lo.intoArray(il, (p0 + 2 * i) * ROWS);
                    hi.intoArray(il, (p0 + 2 * i + 1) * ROWS);
                }
            }
        }
    }

    private static final ShortVector ZEROS = ShortVector.broadcast(S, (short) 0x5555);
    /** ZEROS' codes in lanes 16 and up, 0 below: the fill of a row's last 16 shorts (n = 16). */
    private static final ShortVector FILL_16 = ShortVector.fromArray(S, fill16(), 0);

    private static short[] fill16() {
        short[] f = new short[S.length()];
        for (int i = 16; i < f.length; i++) f[i] = 0x5555;
        return f;
    }

    /**
     * The column of code position q of a packed row (short q / 8, code q % 8; see {@link TernaryMatrix}); in
     * the base-3 layout, q itself.
     */
    static int column(int q) {
        if (TernaryMatrix.LANES == ROWS) return q;
        int p = q >>> 3;
        return (p >>> 4) * TernaryMatrix.BLOCK + (p & 15) + 16 * (q & 7);
    }

    /**
     * Token blocks [tb0, tb1) and row blocks [rb0, rb1): every chunk's tables, every row block over them, then
     * the outputs. The indices: fields (the base-3 layout's packed shorts) if not null, else idx.
     */
    private static void run(MemorySegment idx, short[] fields, int rowShorts, int groups, int blocks, QuantizedActivations x, int rows, int cols, float scale,
                            int tb0, int tb1, int rb0, int rb1, float[] y) {
        Scratch sc = SCRATCH.get();
        int t0 = tb0 * TB, nt = (tb1 - tb0) * TB, rowsPad = blocks * ROWS;
        MemorySegment acc = sc.acc(4L * nt * rowsPad);
        for (int t = 0; t < nt; t++) acc.asSlice(4L * (t * rowsPad + rb0 * ROWS), 4L * (rb1 - rb0) * ROWS).fill((byte) 0);
        MemorySegment tables = sc.tables;
        int[] columns = sc.columns;
        short[] q = x.q();
        int tokens = x.tokens();
        for (int g0 = 0; g0 < groups; g0 += G) {
            int ng = Math.min(G, groups - g0);
            for (int k = 0; k < 3 * ng; k++) columns[k] = column(3 * g0 + k);
            for (int tb = tb0; tb < tb1; tb++) {
                buildTables(q, cols, tokens, tb * TB, columns, ng, tables);
                for (int rb = rb0; rb < rb1; rb++) {
                    block(idx, 32L * ((long) rb * groups + g0), fields, (rb * rowShorts + g0 / 3) * ROWS, tables, ng, acc,
                            4L * ((tb * TB - t0) * rowsPad + rb * ROWS), 4L * rowsPad);
                }
            }
        }
        outputs(acc, rowsPad, t0, Math.min(tokens, t0 + nt), rb0 * ROWS, Math.min(rows, rb1 * ROWS), rows, scale, x.scale(), y);
    }

    /**
     * Tables of tokens [t0, t0 + TB) (tokens past the batch zeros) for the chunk's groups: entry table
     * [t * G + g] = D0 x_c0 + D1 x_c1 + D2 x_c2 with the group's columns (past the row: zeros).
     */
    private static void buildTables(short[] q, int cols, int tokens, int t0, int[] columns, int ng, MemorySegment tables) {
        ShortVector d0 = ShortVector.fromArray(S, DIGITS[0], 0), d1 = ShortVector.fromArray(S, DIGITS[1], 0), d2 = ShortVector.fromArray(S, DIGITS[2], 0);
        for (int t = 0; t < TB; t++) {
            int tt = t0 + t;
            long at = 64L * t * G;
            if (tt >= tokens) {
                tables.asSlice(at, 64L * ng).fill((byte) 0);
                continue;
            }
            int xo = tt * cols;
            if (TernaryMatrix.LANES == ROWS && columns[0] + 3 * ng <= cols) {
                // base 3: the chunk's columns are consecutive and all inside the row, so no per-column
                // lookup or range test (they were ~3% of a trit ppl run, JFR)
                for (int g = 0, c = xo + columns[0]; g < ng; g++, c += 3) {
                    d0.mul(q[c]).add(d1.mul(q[c + 1])).add(d2.mul(q[c + 2])).intoMemorySegment(tables, at + 64L * g, LE);
                }
                continue;
            }
            for (int g = 0; g < ng; g++) {
                int c0 = columns[3 * g], c1 = columns[3 * g + 1], c2 = columns[3 * g + 2];
                short x0 = c0 < cols ? q[xo + c0] : 0, x1 = c1 < cols ? q[xo + c1] : 0, x2 = c2 < cols ? q[xo + c2] : 0;
                d0.mul(x0).add(d1.mul(x1)).add(d2.mul(x2)).intoMemorySegment(tables, at + 64L * g, LE);
            }
        }
    }

    /**
     * One row block over one chunk for the TB = 8 tokens of the tables (the index loaded once for 8 permutes,
     * 8 accumulators), then widened into the int accumulators at ao (+ rowStride bytes per token). Group g's
     * index: with fields, field g % 3 of the packed short at fo + (g / 3) * 32, the vector shifted right by
     * 5 (g % 3) as int lanes and left unmasked (the permute reads each lane's index modulo 32, as
     * {@link RowLaneDecode}); else idx's 32 bytes at io + 32 g.
     */
    private static void block(MemorySegment idx, long io, short[] fields, int fo, MemorySegment tables, int ng, MemorySegment acc, long ao, long rowStride) {
        ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int g = 0; g < ng; g++) {
            ShortVector ix = fields != null
                    ? (ShortVector) ((IntVector) ShortVector.fromArray(S, fields, fo + g / 3 * ROWS).reinterpretAsInts()).lanewise(VectorOperators.LSHR, 5 * (g % 3)).reinterpretAsShorts()
                    : (ShortVector) ByteVector.fromMemorySegment(B, idx, io + 32L * g, LE).convertShape(VectorOperators.B2S, S, 0);
            long at = 64L * g;
            a0 = a0.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at, LE)));
            a1 = a1.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 64L * G, LE)));
            a2 = a2.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 128L * G, LE)));
            a3 = a3.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 192L * G, LE)));
            a4 = a4.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 256L * G, LE)));
            a5 = a5.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 320L * G, LE)));
            a6 = a6.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 384L * G, LE)));
            a7 = a7.add(ix.selectFrom(ShortVector.fromMemorySegment(S, tables, at + 448L * G, LE)));
        }
        // widened here, not in a helper: a vector passed to a call C2 does not inline is allocated
        long o = ao;
        ((IntVector) a0.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a0.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a1.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a1.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a2.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a2.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a3.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a3.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a4.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a4.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a5.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a5.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a6.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a6.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
        o += rowStride;
        ((IntVector) a7.convertShape(VectorOperators.S2I, I, 0)).add(IntVector.fromMemorySegment(I, acc, o, LE)).intoMemorySegment(acc, o, LE);
        ((IntVector) a7.convertShape(VectorOperators.S2I, I, 1)).add(IntVector.fromMemorySegment(I, acc, o + 64, LE)).intoMemorySegment(acc, o + 64, LE);
    }

    /** y = acc * scale / xs for tokens [t0, t1) and rows [r0, r1): int to float, multiply, divide, each rounded once (as lutOutputs). */
    private static void outputs(MemorySegment acc, int rowsPad, int t0, int t1, int r0, int r1, int rows, float scale, float[] xs, float[] y) {
        int lanes = F.length();
        for (int t = t0; t < t1; t++) {
            long ao = 4L * (t - t0) * rowsPad;
            FloatVector d = FloatVector.broadcast(F, xs[t]);
            int r = r0, yo = t * rows;
            for (; r + lanes <= r1; r += lanes) {
                ((FloatVector) IntVector.fromMemorySegment(I, acc, ao + 4L * r, LE).convert(VectorOperators.I2F, 0)).mul(scale).div(d).intoArray(y, yo + r);
            }
            for (; r < r1; r++) y[yo + r] = (float) acc.get(INT, ao + 4L * r) * scale / xs[t];
        }
    }
}
