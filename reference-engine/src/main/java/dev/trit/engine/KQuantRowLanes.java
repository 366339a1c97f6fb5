package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BiConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A K-quant matrix repacked on the heap with 32 rows in the vector lanes, for one-token integer products
 * (decode), as {@link RowLaneDecode} does for the ternary matrices: per token, a table of each column's
 * products with its activation; the codes of 32 rows index it with one permute (vpermw). What the types
 * share lives here: the row blocks (padded to whole units of four, which share each table load), the
 * parallel repack from the file's super-blocks (mapped pages dropped as they are repacked), the per-token
 * tables and the units' work. The result per row is Q8KDots' scalar reference's, bit for bit: each
 * super-block's exact integer sums, then one fma per super-block in order.
 */
abstract sealed class KQuantRowLanes permits Q6KRowLanes, Q4KRowLanes {
    static final int ROWS = 32;
    /** Row blocks sharing one pass over the tables (a unit of work); the repack pads to whole units. */
    static final int QUAD = 4;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final VectorSpecies<Byte> B16 = jdk.incubator.vector.ByteVector.SPECIES_128;
    static final java.nio.ByteOrder LE = java.nio.ByteOrder.LITTLE_ENDIAN;
    /** Zero receivers for the loop-carried sums (exact types whatever the JIT's profile: {@link RowLaneDecode}'s ZS says why). */
    static final ShortVector ZS = ShortVector.zero(S);
    static final IntVector ZI = IntVector.zero(I);
    /** Needs 32 short lanes; -Dtrit.rowWiseKQuants=true keeps the row-wise kernels (A/B). */
    static final boolean SUPPORTED = ShortVector.SPECIES_PREFERRED.length() == ROWS && !Boolean.getBoolean("trit.rowWiseKQuants");

    /**
     * The fewest rows a matrix needs for the repack: it pays on LM heads (Q4_K 32000 x 2560, 2 threads: 2.9 ms
     * against 4.0 row-wise; Q6_K 4.1 against 5.0-5.5; TQ2_0 2B4T decode +11-20%) and not on a layer's
     * matrices, whose many columns per row make each unit's pass over the tables dear (2560 x 2560: same;
     * 2560 rows x 6912 columns: 1.07-1.23 against 0.90 ms; a Q4_K_M model's decode 4.7-4.9 against 5.6 tok/s).
     */
    static final int MIN_ROWS = 16384;

    final int rows, cols, blocks, rowBlocks;
    /** Bytes of one super-block in the file. */
    private final int blockBytes;

    KQuantRowLanes(int rows, int cols, int blockBytes) {
        this.blockBytes = blockBytes;
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / 256;
        this.rowBlocks = rowBlocks(rows);
    }

    static int rowBlocks(int rows) {
        return (int) ((rows + (long) QUAD * ROWS - 1) / (QUAD * ROWS) * QUAD);
    }

    /** Whether a repack of rows x cols holding `shortsPerBlock` shorts per row block and super-block fits an array. */
    static boolean fits(int rows, int cols, int shortsPerBlock) {
        return (long) rowBlocks(rows) * (cols / 256) * shortsPerBlock <= Integer.MAX_VALUE - 64;
    }

    /** The repack of w (Q6_K or Q4_K) as rows in the lanes, or null where it does not fit the arrays. */
    static KQuantRowLanes of(StoredMatrix w, MemorySegment data, BiConsumer<Long, Long> unload, Parallel parallel) {
        KQuantRowLanes p = switch (w.encoding()) {
            case Q6_K -> Q6KRowLanes.fits(w.rows(), w.cols()) ? new Q6KRowLanes(w.rows(), w.cols()) : null;
            case Q4_K -> Q4KRowLanes.fits(w.rows(), w.cols()) ? new Q4KRowLanes(w.rows(), w.cols()) : null;
            default -> throw new IllegalArgumentException(w.encoding() + " has no row-lane kernel");
        };
        if (p != null) p.repack(w, data, unload, parallel);
        return p;
    }

    /** The file's super-block sb (of the row in lane `lane`) into super-block blk = rb * blocks + b. */
    abstract void repackBlock(byte[] sb, int blk, int lane);

    /**
     * Row r's bytes as the file holds them (dst from 0, blocks x blockBytes), rebuilt from the repack: rows
     * widened to float (a tied embedding's lookups, batched float products) read them once the repack has
     * replaced the heap copy, so the mapping's pages stay dropped.
     * Exact for every field (fp16 scales through float and back: exact for all but NaN payloads).
     */
    abstract void rowBytes(int r, byte[] dst);

    /** Shorts of one token's tables. */
    abstract int tableShorts();

    /** One token's tables (quants q from ao) into tab. */
    abstract void buildTables(short[] q, int ao, MemorySegment tab);

    /**
     * Row blocks rb .. rb + 3 over token t's tables: scratch.sums[32 k + i] = row 32 (rb + k) + i's product.
     */
    abstract void quad(int rb, MemorySegment tab, Q8KActivations a, int t, Scratch scratch);

    /**
     * Reads w's rows from data at w's row offsets, row blocks in parallel; after each row block, unload (if
     * not null) is given the byte range [start, end) of data just read (rows stored in order only) so that a
     * mapping's pages can go as they are repacked ({@link WeightSource#unloadRead}).
     */
    private void repack(StoredMatrix w, MemorySegment data, BiConsumer<Long, Long> unload, Parallel parallel) {
        long rowBytes = w.encoding().rowBytes(w.cols());
        int used = (w.rows() + ROWS - 1) / ROWS, bb = blockBytes;
        parallel.forRange(used, 64, (from, to) -> { // one contiguous range per thread: pieces' edges leave no pages behind
            byte[] sb = new byte[bb];
            for (int rb = from; rb < to; rb++) {
                int r0 = rb * ROWS, r1 = Math.min(w.rows(), r0 + ROWS);
                for (int r = r0; r < r1; r++) {
                    long ro = w.rowOffset(r);
                    for (int b = 0; b < blocks; b++) {
                        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, ro + (long) bb * b, sb, 0, bb);
                        repackBlock(sb, rb * blocks + b, r - r0);
                    }
                }
                if (unload != null && w.rowOrder() == null) unload.accept(r0 * rowBytes, r1 * rowBytes);
            }
        });
        if (unload != null) unload.accept(0L, w.storedBytes()); // the pieces' edges, and any row order
    }

    /** Per-thread work arrays of one unit: float sums, integer sums, short sums (two sets each). */
    record Scratch(float[] sums, int[] ints, short[] shorts) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(
            () -> new Scratch(new float[2 * QUAD * ROWS], new int[2 * QUAD * ROWS], new short[2 * QUAD * ROWS]));
    /** Per calling thread: the tables of its current call (built by it, read by the workers). */
    private static final ThreadLocal<MemorySegment[]> TABLES = ThreadLocal.withInitial(() -> new MemorySegment[] {MemorySegment.NULL});

    /** y[yo + r] = row r . token t of a, for every row (as the scalar references). */
    final void product(Q8KActivations a, int t, float[] y, int yo, Parallel parallel) {
        if (a.cols() != cols) throw new IllegalArgumentException("activations have " + a.cols() + " columns, the matrix " + cols);
        long bytes = 2L * tableShorts();
        MemorySegment[] held = TABLES.get();
        if (held[0].byteSize() < bytes) held[0] = VectorKernels.alignedScratch(bytes);
        MemorySegment tab = held[0];
        buildTables(a.q(), t * cols, tab);
        int units = rowBlocks / QUAD;
        parallel.forPieces(units, Math.max(1, units / (8 * parallel.threads())), (from, to) -> {
            Scratch scratch = SCRATCH.get();
            for (int u = from; u < to; u++) {
                quad(u * QUAD, tab, a, t, scratch);
                int r0 = u * QUAD * ROWS, n = Math.min(QUAD * ROWS, rows - r0);
                System.arraycopy(scratch.sums(), 0, y, yo + r0, n);
            }
        });
    }

    /** sums[so .. so + 15] = fma(ints[so ..] as floats, d[dd ..] x x, sums[so ..]): one super-block's step for 16 rows. */
    static void fmaStep(int[] ints, int so, float[] d, int dd, float x, float[] sums) {
        ((FloatVector) IntVector.fromArray(I, ints, so).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromArray(F, d, dd).mul(x), FloatVector.fromArray(F, sums, so)).intoArray(sums, so);
    }

    /** A table-shaped vector: lane e holds entry(e). */
    static ShortVector entries(java.util.function.IntUnaryOperator entry) {
        short[] e = new short[ROWS];
        for (int i = 0; i < ROWS; i++) e[i] = (short) entry.applyAsInt(i);
        return ShortVector.fromArray(S, e, 0);
    }

    /** The vector shifted right by n as int lanes (one instruction), as short lanes: a table index. */
    static ShortVector idx(IntVector w, int n) {
        return (ShortVector) w.lanewise(VectorOperators.LSHR, n).reinterpretAsShorts();
    }
}
