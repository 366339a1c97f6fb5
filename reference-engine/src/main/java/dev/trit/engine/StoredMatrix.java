package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.util.Objects;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

/**
 * A float weight matrix read where it is stored, in its stored precision: F32, F16, BF16, or the bytes of
 * a ggml block type (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K .. Q6_K), usually a slice of a
 * memory-mapped checkpoint that stays mapped for the model's lifetime.
 * Rows are widened to float on the fly (exactly for F32/F16/BF16; the ggml block types as ggml
 * dequantizes, scale * quant in float), so products equal those over the widened matrix: the kernels
 * dequantize a few rows into per-thread scratch and run the float kernels on them (prefill), or (a few
 * tokens, every block type) dequantize in registers in the same order (Q8_0, Q4_0, Q6_K, Q4_K here, the
 * others in {@link BlockDots}). Activations are float; {@link LlamaCppActivations} rounds them as
 * ggml-cpu does first, when the model runs with llama.cpp's arithmetic.
 *
 * @param rowOrder null, or the stored row that holds each logical row (GGUF's permuted Q/K rows)
 */
public record StoredMatrix(int rows, int cols, Encoding encoding, MemorySegment data, int[] rowOrder, HeapCopy heap) implements Matrix {
    /** How elements are stored. */
    public enum Encoding {
        F32(GgmlType.F32, VecDot.F32), F16(GgmlType.F16, VecDot.F16), BF16(GgmlType.BF16, VecDot.BF16),
        /** ggml's blocks of 32: fp16 scale, then 32 int8. */
        Q8_0(GgmlType.Q8_0, VecDot.Q8_0),
        /** ggml's blocks of 32: fp16 scale, then 16 bytes; byte j holds weights j (low nibble) and j+16, each nibble - 8. */
        Q4_0(GgmlType.Q4_0, VecDot.Q8_0),
        /**
         * ggml's super-blocks of 256 in 210 bytes: ql[128] low 4 bits, qh[64] high 2 bits, int8 scales[16]
         * (one per 16 weights), fp16 d at byte 208; weight = d * scale * (q - 32). See formats' Q6_KCodec.
         */
        Q6_K(GgmlType.Q6_K, VecDot.Q8_K),
        // widened by the formats codecs (BlockCodec.decodeRange), ggml's dequantize_row_* bit for bit
        Q4_1(GgmlType.Q4_1, VecDot.Q8_1), Q5_0(GgmlType.Q5_0, VecDot.Q8_0), Q5_1(GgmlType.Q5_1, VecDot.Q8_1),
        IQ4_NL(GgmlType.IQ4_NL, VecDot.Q8_0),
        Q2_K(GgmlType.Q2_K, VecDot.Q8_K), Q3_K(GgmlType.Q3_K, VecDot.Q8_K), Q4_K(GgmlType.Q4_K, VecDot.Q8_K), Q5_K(GgmlType.Q5_K, VecDot.Q8_K);

        private final GgmlType ggml;
        private final VecDot vecDot;

        Encoding(GgmlType ggml, VecDot vecDot) {
            this.ggml = ggml;
            this.vecDot = vecDot;
        }

        /** The ggml tensor type these bytes are. */
        public GgmlType ggmlType() {
            return ggml;
        }

        /**
         * What ggml-cpu converts the activations to before its dot product with this type
         * ({@code type_traits_cpu[type].vec_dot_type}); see {@link LlamaCppActivations}.
         */
        public VecDot vecDotType() {
            return vecDot;
        }

        /** The encoding for a ggml type, if the engine reads that type in place. */
        public static java.util.Optional<Encoding> of(GgmlType type) {
            for (Encoding e : values()) if (e.ggml == type) return java.util.Optional.of(e);
            return java.util.Optional.empty();
        }

        /** True for ggml's block types (rows must be whole blocks of {@link #blockSize()}). */
        boolean blocked() {
            return ggml.blockSize() > 1;
        }

        /** Block types with a fused dequantize-and-dot kernel ({@link #dotRow}): all, IQ4_NL where its table fits a vector. */
        boolean fused() {
            return blocked() && (this != IQ4_NL || BlockDots.iq4Fused());
        }

        /**
         * The fma chains of this type's row product: vector k of the row (lanes k*L .. k*L+L-1) goes into
         * chain k mod n, and the chains are added before the lanes. Two where that measured faster
         * (BlockKernelBench: Q8_0 1.35x, Q4_0 1.2x, IQ4_NL 1.45x: their kernels wait on the fma latency),
         * one where the dequantization is the bottleneck (a second chain measured slower for Q4_1, Q5_1).
         * The fused kernel and the dot over the widened row use the same number, so they stay bit-identical.
         */
        int fmaChains() {
            return this == Q8_0 || this == Q4_0 || this == IQ4_NL ? 2 : 1;
        }

        /**
         * Types whose product with Q8_K activations runs in integers as ggml's vec_dot ({@link #dotRowQ8K});
         * the other K-quants take their Q8_K activations as rounded floats ({@link LlamaCppActivations}).
         */
        public boolean q8KDot() {
            return this == Q6_K || this == Q4_K;
        }

        /** Weights per ggml block (1 for the plain float types). */
        int blockSize() {
            return ggml.blockSize();
        }

        long rowBytes(int cols) {
            return (long) cols / ggml.blockSize() * ggml.blockBytes();
        }
    }

    /** ggml-cpu's vec_dot_type: the form activations take in a product with a weight type. */
    public enum VecDot {
        /** Float activations as they are. */
        F32,
        /** Rounded to fp16 (F16 weights). */
        F16,
        /** Rounded to bf16 (BF16 weights). */
        BF16,
        /** Blocks of 32: int8 quants, fp16 scale absmax / 127 (Q4_0, Q5_0, Q8_0, IQ4_NL weights). */
        Q8_0,
        /** As Q8_0 plus the block's fp16 sum d * sum(q) (Q4_1, Q5_1 weights). */
        Q8_1,
        /** Super-blocks of 256: int8 quants, float scale max / -127 (the K-quants). */
        Q8_K
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public StoredMatrix {
        Objects.requireNonNull(encoding);
        if (heap == null) heap = new HeapCopy(Objects.requireNonNull(data));
        data = kernelView(Objects.requireNonNull(data));
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dims");
        if (cols % encoding.blockSize() != 0) {
            throw new IllegalArgumentException(encoding + " rows must be whole blocks of " + encoding.blockSize() + ", got " + cols);
        }
        long need = rows * encoding.rowBytes(cols);
        if (data.byteSize() < need) throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] " + encoding + " needs " + need + " bytes, got " + data.byteSize());
        if (rowOrder != null && rowOrder.length != rows) throw new IllegalArgumentException("row order has " + rowOrder.length + " entries for " + rows + " rows");
    }

    /**
     * A mapped segment as a plain native segment over the same bytes and lifetime (reinterpret keeps its
     * arena), what every kernel reads. The Vector API's segment loads share one code path whose type profile
     * C2 compiles them by: with mapped weights beside the native lookup tables and scratch, a load of either
     * went through a two-type check and the integer decode kernels ran up to 1.5x slower (a standalone probe:
     * Q4_K 0.70 ms over a mapped segment alone, 0.97-1.08 after native segments passed the same loads, 0.69-0.77
     * through native views). The mapped segment itself stays with the weight source (WeightSource.release
     * drops its pages).
     */
    static MemorySegment kernelView(MemorySegment data) {
        return data.isMapped() ? data.reinterpret(data.byteSize()) : data;
    }

    public StoredMatrix(int rows, int cols, Encoding encoding, MemorySegment data) {
        this(rows, cols, encoding, data, null, null);
    }

    public StoredMatrix(int rows, int cols, Encoding encoding, MemorySegment data, int[] rowOrder) {
        this(rows, cols, encoding, data, rowOrder, null);
    }

    /**
     * Whether the integer decode kernels copy their Q6_K / Q4_K matrices onto the heap ({@link #heapBytes});
     * -Dtrit.mappedKQuants=true keeps them reading the mapping (A/B).
     */
    static final boolean HEAP_COPIES = !Boolean.getBoolean("trit.mappedKQuants");
    /** Bytes copied between drops of the mapped pages (see {@link #heapBytes}). */
    private static final int COPY_PIECE = 8 << 20;

    /**
     * A heap copy of the matrix's bytes, made by {@link #heapBytes} on the first integer product, and the
     * segment given (the mapped tensor, whose pages the copy lets go).
     */
    public static final class HeapCopy {
        private final MemorySegment given;
        private volatile byte[] bytes;
        private volatile boolean refused;
        private volatile KQuantRowLanes rowLanes;
        private volatile boolean rowLanesRefused;

        HeapCopy(MemorySegment given) {
            this.given = given;
        }
    }

    /**
     * The matrix's bytes on the heap, copied on the first call, or null (no copy: not a Q6_K / Q4_K matrix,
     * over 2 GiB, more than half the free heap, or copies turned off). The kernels ({@link Q8KDots#q6kArray},
     * {@link Q8KDots#q4kArray}) read arrays; over the copy they skip copying each row out of the mapping (TQ2_0
     * decode 4-10% faster, README "Tenth session"), and the mapping's pages are dropped from the resident set
     * (a mapped tensor's: the process holds the bytes once).
     * Call it from one thread before the parallel work: the copy is published through a volatile field.
     */
    byte[] heapBytes() {
        byte[] b = heap.bytes;
        if (b != null || heap.refused || heap.rowLanes != null) return b;
        synchronized (heap) {
            if (heap.bytes != null || heap.refused || heap.rowLanes != null) return heap.bytes;
            long n = storedBytes();
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            if (!HEAP_COPIES || !encoding.q8KDot() || n > Integer.MAX_VALUE - 64 || n > free / 2) {
                heap.refused = true;
                return null;
            }
            byte[] c = new byte[(int) n];
            // in pieces, each piece's mapped pages dropped once copied: copied whole, the mapping's pages
            // and the copy were both resident at the end (2B4T TQ2_0 peak RSS 1.24 -> 1.53x the file)
            for (int o = 0; o < n; o += COPY_PIECE) {
                int len = (int) Math.min(COPY_PIECE, n - o);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, o, c, o, len);
                WeightSource.unloadRead(heap.given, o, o + len);
            }
            heap.bytes = c;
            return c;
        }
    }

    /**
     * The Q6_K / Q4_K matrix repacked with rows in the vector lanes for one-token products
     * ({@link KQuantRowLanes}), made on the first call, or null (another type, fewer rows than an LM head's,
     * no 32-short vectors, copies turned off, too large, or more than half the free heap). Made from the heap
     * copy if there is one (which it then replaces), else from the mapping, whose pages are dropped as they
     * are repacked. Call it from one thread before the parallel work.
     */
    KQuantRowLanes rowLanes(Parallel parallel) {
        KQuantRowLanes p = heap.rowLanes;
        if (p != null || heap.rowLanesRefused) return p;
        synchronized (heap) {
            if (heap.rowLanes != null || heap.rowLanesRefused) return heap.rowLanes;
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            if (!HEAP_COPIES || !KQuantRowLanes.SUPPORTED || !encoding.q8KDot() || rows < KQuantRowLanes.MIN_ROWS || storedBytes() * 1.1 > free / 2) {
                heap.rowLanesRefused = true;
                return null;
            }
            byte[] h = heap.bytes;
            MemorySegment from = h != null ? MemorySegment.ofArray(h) : data;
            boolean drop = h == null && heap.given.isMapped();
            // the pages read before (a tied embedding's lookups: ~50 MB after a 256-token prompt) dropped before the
            // repack's arrays are allocated (zeroed, so resident at once), not only by the repack's final drop
            if (drop) WeightSource.unload(heap.given);
            heap.rowLanes = KQuantRowLanes.of(this, from, drop ? (start, end) -> WeightSource.unloadRead(heap.given, start, end) : null, parallel);
            if (heap.rowLanes == null) heap.rowLanesRefused = true;
            else heap.bytes = null; // the repack replaces the copy: products of several tokens rebuild rows from it
            return heap.rowLanes;
        }
    }

    /** The row-lane repack if {@link #rowLanes} has made it, else null. */
    KQuantRowLanes rowLanesIfMade() {
        return heap.rowLanes;
    }

    @Override
    public long storedBytes() {
        return rows * encoding.rowBytes(cols);
    }

    @Override
    public float get(int r, int c) {
        float[] row = new float[cols];
        decodeRow(r, row, 0);
        return row[c];
    }

    /** Byte offset of logical row r in data. */
    long rowOffset(int r) {
        return (rowOrder == null ? r : rowOrder[r]) * encoding.rowBytes(cols);
    }

    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Per-thread staging of one row's 16-bit values. */
    private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[0]);

    /** Widens logical row r into dst[off .. off+cols). */
    public void decodeRow(int r, float[] dst, int off) {
        short[] h = HALVES.get();
        if (h.length < cols) HALVES.set(h = new short[cols]);
        decodeRow(r, dst, off, h);
    }

    /**
     * Widens logical row r into dst[off .. off+cols) for an embedding lookup: the block types through formats'
     * scalar decode (ggml's dequantize_row_*, the same floats as {@link #decodeRow}: StoredMatrixTest).
     * A lookup runs once per token, so C2 compiled decodeRow's Vector API code only after a few hundred
     * decoded tokens, and until then it ran as the API's Java fallback: in trit bench's first measured rounds
     * on the 2B4T Q6_K file (tied embedding) 374 KB of boxed vectors a token, 24 KB once compiled. Scalar code
     * is quick from its first compile (C1).
     */
    public void lookupRow(int r, float[] dst, int off) {
        if (!encoding.blocked()) {
            decodeRow(r, dst, off); // F32, F16, BF16: a copy or a plain loop
            return;
        }
        long base = rowOffset(r), n = encoding.rowBytes(cols);
        byte[] hb = heap.bytes;
        KQuantRowLanes lanes = heap.rowLanes;
        MemorySegment row = hb != null ? MemorySegment.ofArray(hb).asSlice(base, n)
                : lanes != null ? MemorySegment.ofArray(repackedRow(lanes, r)).asSlice(0, n)
                : data.asSlice(base, n);
        BlockCodec.of(encoding.ggml).decode(row, dst, off, cols);
    }

    /** As {@link #decodeRow(int, float[], int)} with the caller's staging for 16-bit rows (at least cols long). */
    void decodeRow(int r, float[] dst, int off, short[] h) {
        long base = rowOffset(r);
        switch (encoding) {
            case F32 -> MemorySegment.copy(data, F32, base, dst, off, cols);
            case F16 -> {
                // bulk copy to a short[], then a plain array loop that C2 auto-vectorizes with the hardware
                // conversion (vcvtph2ps); a Vector API version (bit manipulation plus a shape-changing
                // short-to-int conversion) and a loop over the segment measured slower
                MemorySegment.copy(data, U16, base, h, 0, cols);
                for (int c = 0; c < cols; c++) dst[off + c] = Float.float16ToFloat(h[c]);
            }
            case BF16 -> {
                MemorySegment.copy(data, U16, base, h, 0, cols);
                for (int c = 0; c < cols; c++) dst[off + c] = Float.intBitsToFloat(h[c] << 16);
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long bo = base + 34L * b;
                    float d = Float.float16ToFloat(data.get(U16, bo));
                    int o = off + 32 * b;
                    // int8 to float is exact, then one rounded product: the same as ggml's q * d
                    for (int j = 0; j < 32; j += 8) {
                        ((FloatVector) ByteVector.fromMemorySegment(B8, data, bo + 2 + j, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.B2F, FloatVector.SPECIES_256, 0)).mul(d).intoArray(dst, o + j);
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long bo = base + 18L * b;
                    float d = Float.float16ToFloat(data.get(U16, bo));
                    int o = off + 32 * b;
                    for (int j = 0; j < 16; j++) {
                        int q = data.get(ValueLayout.JAVA_BYTE, bo + 2 + j) & 0xff;
                        dst[o + j] = ((q & 15) - 8) * d; // as ggml: (nibble - 8) * d in float
                        dst[o + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            case Q6_K -> {
                byte[] hb = heap.bytes;
                KQuantRowLanes lanes = heap.rowLanes;
                if (hb != null) decodeQ6(hb, (int) base, dst, off);
                else if (lanes != null) decodeQ6(repackedRow(lanes, r), 0, dst, off);
                else decodeQ6(base, dst, off);
            }
            case Q4_K -> {
                byte[] hb = heap.bytes;
                KQuantRowLanes lanes = heap.rowLanes;
                if (hb != null) decodeQ4K(hb, (int) base, dst, off);
                else if (lanes != null) decodeQ4K(repackedRow(lanes, r), 0, dst, off);
                else decodeQ4K(base, dst, off);
            }
            default -> BlockCodec.of(encoding.ggml).decode(data.asSlice(base, encoding.rowBytes(cols)), dst, off, cols);
        }
    }

    /** Widens the Q6_K row at base (a method of its own: inline in decodeRow's big switch it once ran 100x slower). */
    private void decodeQ6(long base, float[] dst, int off) {
        decodeQ6(rowBytes(base), 0, dst, off); // as the integer kernels: array loads cost less (see Q8KDots)
    }

    /** Floats per vector of the fused kernels, and bytes with as many lanes (their int8 / nibble loads). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.length() * 8)));
    /** The fused kernels need whole vectors per half block; other hardware widens rows instead. */
    static final boolean FUSED = F.length() >= 4 && F.length() <= 16 && BF.length() == F.length();
    /**
     * Q6_K's species: the fused kernel's where it runs (with 8-lane species in decodeQ6, dotQ6 ran 2.5x
     * slower once decodeQ6 had run, though it uses none of them), else 8 lanes.
     */
    private static final VectorSpecies<Float> Q6 = FUSED ? F : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> Q6B = FUSED ? BF : ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> Q6I = VectorSpecies.of(int.class, Q6.vectorShape());

    /**
     * Dot product of logical row r (a block type) with x[xo .. xo+cols), dequantizing in registers: the
     * same products (q * d, rounded once) added in the same lane order, and the lanes then summed in
     * order, as the float kernel over {@link #decodeRow} does, so the result is bit-identical to it
     * without the round trip through memory. (Separate methods per encoding returning a float: a
     * FloatVector returned from a method that C2 does not inline is boxed, and the kernel then ran 3x slower.)
     */
    float dotRow(int r, float[] x, int xo) {
        return switch (encoding) {
            case Q8_0 -> dotQ8(rowOffset(r), x, xo);
            case Q4_0 -> dotQ4(rowOffset(r), x, xo);
            case Q6_K -> dotQ6(rowOffset(r), x, xo);
            case Q4_K -> dotQ4K(rowOffset(r), x, xo);
            case Q4_1 -> BlockDots.q4_1(data, rowOffset(r), cols, x, xo);
            case Q5_0 -> BlockDots.q5_0(data, rowOffset(r), cols, x, xo);
            case Q5_1 -> BlockDots.q5_1(data, rowOffset(r), cols, x, xo);
            case IQ4_NL -> BlockDots.iq4_nl(data, rowOffset(r), cols, x, xo);
            case Q2_K -> BlockDots.q2_k(data, rowOffset(r), cols, x, xo);
            case Q3_K -> BlockDots.q3_k(data, rowOffset(r), cols, x, xo);
            case Q5_K -> BlockDots.q5_k(data, rowOffset(r), cols, x, xo);
            default -> throw new IllegalStateException(encoding + " is not a block type");
        };
    }

    /**
     * Dot product of logical row r (Q6_K or Q4_K, see {@link Encoding#q8KDot}) with token t of a, as ggml's
     * vec_dot_*_q8_K (see {@link Q8KDots}); vector false takes the scalar reference form (same result).
     */
    float dotRowQ8K(int r, Q8KActivations a, int t, boolean vector) {
        if (a.cols() != cols) throw new IllegalArgumentException("activations have " + a.cols() + " columns, the matrix " + cols);
        byte[] h = heap.bytes;
        if (h != null && vector && Q8KDots.VECTOR) {
            return Q8KDots.arrayDot(encoding, h, (int) rowOffset(r), cols, a, t);
        }
        return switch (encoding) {
            case Q6_K -> Q8KDots.q6k(data, rowOffset(r), cols, a, t, vector);
            case Q4_K -> Q8KDots.q4k(data, rowOffset(r), cols, a, t, vector);
            default -> throw new IllegalStateException(encoding + " has no Q8_K integer product here");
        };
    }

    /**
     * Reads one long per 64 bytes of rows [from, to) (stored order; none if rows are reordered), the xor of
     * them returned so the loads stay: a loop of nothing but loads keeps many more cache-line reads in flight
     * than a decode kernel does between its loads, so streaming a block of rows in first and then computing on
     * it from the cache is faster than computing on it as it streams in (see {@link VectorKernels}).
     */
    long touch(int from, int to) {
        if (rowOrder != null) return 0;
        long rb = encoding.rowBytes(cols), end = to * rb, s = 0;
        byte[] h = heap.bytes;
        if (h != null) {
            for (int o = (int) (from * rb); o < end; o += 64) s ^= h[o];
            return s;
        }
        for (long o = from * rb; o < end; o += 64) s ^= data.get(ValueLayout.JAVA_LONG_UNALIGNED, o);
        return s;
    }

    private float dotQ8(long base, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F), acc1 = FloatVector.zero(F); // vector k into chain k mod 2
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 34L * b;
            float d = Float.float16ToFloat(data.get(U16, bo));
            int o = xo + 32 * b;
            for (int j = 0; j < 32; j += lanes) {
                FloatVector w = ((FloatVector) ByteVector.fromMemorySegment(BF, data, bo + 2 + j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector t1 = FloatVector.fromArray(F, x, o + j).fma(w, acc1);
                acc1 = acc;
                acc = t1;
            }
        }
        acc = acc.add(acc1);
        float s = 0f; // the lanes in order, in this method: a vector passed to a call C2 does not inline is allocated
        for (int i = 0; i < lanes; i++) s += acc.lane(i);
        return s;
    }

    private float dotQ4(long base, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F), acc1 = FloatVector.zero(F); // vector k into chain k mod 2
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 18L * b;
            float d = Float.float16ToFloat(data.get(U16, bo));
            int o = xo + 32 * b;
            for (int j = 0; j < 16; j += lanes) { // low nibbles: weights 0..15
                ByteVector q = ByteVector.fromMemorySegment(BF, data, bo + 2 + j, ByteOrder.LITTLE_ENDIAN);
                FloatVector w = ((FloatVector) q.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector t2 = FloatVector.fromArray(F, x, o + j).fma(w, acc1);
                acc1 = acc;
                acc = t2;
            }
            for (int j = 0; j < 16; j += lanes) { // high nibbles: weights 16..31
                ByteVector q = ByteVector.fromMemorySegment(BF, data, bo + 2 + j, ByteOrder.LITTLE_ENDIAN);
                FloatVector w = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and((byte) 15).sub((byte) 8)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector t3 = FloatVector.fromArray(F, x, o + 16 + j).fma(w, acc1);
                acc1 = acc;
                acc = t3;
            }
        }
        acc = acc.add(acc1);
        float s = 0f; // the lanes in order, in this method: a vector passed to a call C2 does not inline is allocated
        for (int i = 0; i < lanes; i++) s += acc.lane(i);
        return s;
    }

    /** Per-thread home of dotQ6's accumulator between half-blocks. */
    private static final ThreadLocal<float[]> Q6_ACC = ThreadLocal.withInitial(() -> new float[64]);

    private float dotQ6(long base, float[] x, int xo) {
        // as decodeQ6 (whose species are these when fused); lanes <= 16, so each vector lies in one group
        // of 16 and has one scale. One half-block (128 weights) per call of q6Half, the fma chain carried
        // in memory between calls (exact): as one method, C2 at times hit its node limit on it, and the
        // vector operations it then did not inline allocated every vector (decode ran at half speed, or
        // at full speed, from one JVM start to the next).
        int lanes = F.length();
        float[] acc = Q6_ACC.get();
        java.util.Arrays.fill(acc, 0, lanes, 0f);
        for (int b = 0; b < cols / 256; b++) {
            long bo = base + 210L * b;
            float d = Float.float16ToFloat(data.get(U16, bo + 208));
            for (int h = 0; h < 2; h++) q6Half(bo, h, d, x, xo + 256 * b + 128 * h, acc);
        }
        float s = 0f;
        for (int i = 0; i < lanes; i++) s += acc[i];
        return s;
    }

    /** Half h of the Q6_K super-block at bo (weights o.. of x) into the fma chain held in acc[0..lanes). */
    private void q6Half(long bo, int h, float d, float[] x, int o, float[] accArr) {
        int lanes = F.length();
        long ql = bo + 64 * h, qh = bo + 128 + 32 * h, sc = bo + 192 + 8 * h;
        FloatVector acc = FloatVector.fromArray(F, accArr, 0);
        for (int j = 0; j < 32; j += lanes) { // l = j..: low nibbles of ql[l], qh bits 0-1
            IntVector l = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, ql + j, LE)
                    .convertShape(B2I, Q6I, 0)).and(0x0F);
            IntVector u = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, qh + j, LE)
                    .convertShape(B2I, Q6I, 0)).lanewise(LSHL, 4).and(0x30);
            float ds = d * data.get(ValueLayout.JAVA_BYTE, sc + j / 16);
            FloatVector w = ((FloatVector) l.or(u).sub(32).convertShape(I2F, F, 0)).mul(ds);
            acc = FloatVector.fromArray(F, x, o + j).fma(w, acc);
        }
        for (int j = 0; j < 32; j += lanes) { // 32 + l: low nibbles of ql[32 + l], qh bits 2-3
            IntVector l = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, ql + 32 + j, LE)
                    .convertShape(B2I, Q6I, 0)).and(0x0F);
            IntVector u = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, qh + j, LE)
                    .convertShape(B2I, Q6I, 0)).lanewise(LSHL, 2).and(0x30);
            float ds = d * data.get(ValueLayout.JAVA_BYTE, sc + 2 + j / 16);
            FloatVector w = ((FloatVector) l.or(u).sub(32).convertShape(I2F, F, 0)).mul(ds);
            acc = FloatVector.fromArray(F, x, o + 32 + j).fma(w, acc);
        }
        for (int j = 0; j < 32; j += lanes) { // 64 + l: high nibbles of ql[l], qh bits 4-5
            IntVector l = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, ql + j, LE)
                    .convertShape(B2I, Q6I, 0)).lanewise(ASHR, 4).and(0x0F);
            IntVector u = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, qh + j, LE)
                    .convertShape(B2I, Q6I, 0)).and(0x30);
            float ds = d * data.get(ValueLayout.JAVA_BYTE, sc + 4 + j / 16);
            FloatVector w = ((FloatVector) l.or(u).sub(32).convertShape(I2F, F, 0)).mul(ds);
            acc = FloatVector.fromArray(F, x, o + 64 + j).fma(w, acc);
        }
        for (int j = 0; j < 32; j += lanes) { // 96 + l: high nibbles of ql[32 + l], qh bits 6-7
            IntVector l = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, ql + 32 + j, LE)
                    .convertShape(B2I, Q6I, 0)).lanewise(ASHR, 4).and(0x0F);
            IntVector u = ((IntVector) ByteVector.fromMemorySegment(Q6B, data, qh + j, LE)
                    .convertShape(B2I, Q6I, 0)).lanewise(ASHR, 2).and(0x30);
            float ds = d * data.get(ValueLayout.JAVA_BYTE, sc + 6 + j / 16);
            FloatVector w = ((FloatVector) l.or(u).sub(32).convertShape(I2F, F, 0)).mul(ds);
            acc = FloatVector.fromArray(F, x, o + 96 + j).fma(w, acc);
        }
        acc.intoArray(accArr, 0);
    }

    private float dotQ4K(long base, float[] x, int xo) {
        // as decodeQ4K, in registers; lanes <= 16 divide 32, so each vector lies in one sub-block. The 12
        // scale bytes are read as two words and unpacked in registers: get_scale_min_k4 over single-byte
        // segment reads (bounds and liveness checks each) cost more than the vector work (1.5x slower)
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++) {
            long bo = base + 144L * b;
            float d = Float.float16ToFloat(data.get(U16, bo)), dmin = Float.float16ToFloat(data.get(U16, bo + 2));
            long s8 = data.get(U64, bo + 4); // scale bytes 0..7
            int s4 = data.get(U32, bo + 12); // bytes 8..11
            long scales = k4Scales(s8, s4), mins = k4Mins(s8, s4);
            for (int c = 0; c < 4; c++) {
                float d1 = d * (scales >>> 16 * c & 0xFF), m1 = dmin * (mins >>> 16 * c & 0xFF);
                float d2 = d * (scales >>> 16 * c + 8 & 0xFF), m2 = dmin * (mins >>> 16 * c + 8 & 0xFF);
                long q = bo + 16 + 32L * c;
                int o = xo + 256 * b + 64 * c;
                for (int l = 0; l < 32; l += lanes) {
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(Q6B, data, q + l, LE).convertShape(B2I, Q6I, 0);
                    FloatVector w = ((FloatVector) v.and(0x0F).convertShape(I2F, F, 0)).mul(d1).sub(m1);
                    acc = FloatVector.fromArray(F, x, o + l).fma(w, acc);
                }
                for (int l = 0; l < 32; l += lanes) {
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(Q6B, data, q + l, LE).convertShape(B2I, Q6I, 0);
                    FloatVector w = ((FloatVector) v.lanewise(ASHR, 4).and(0x0F).convertShape(I2F, F, 0)).mul(d2).sub(m2);
                    acc = FloatVector.fromArray(F, x, o + 32 + l).fma(w, acc);
                }
            }
        }
        float s = 0f;
        for (int i = 0; i < lanes; i++) s += acc.lane(i);
        return s;
    }

    /**
     * The 8 six-bit sub-block scales of a Q4_K / Q5_K super-block, byte j = get_scale_min_k4(j)'s scale, from its
     * 12 scale bytes held as s8 = bytes 0..7 and s4 = bytes 8..11 (ggml's utmp shuffle: scales 0-3 are the low
     * 6 bits of bytes 0-3, scales 4-7 the low nibbles of bytes 8-11 with the top 2 bits of bytes 0-3).
     */
    static long k4Scales(long s8, int s4) {
        int u0 = (int) s8;
        return (u0 & 0x3F3F3F3FL) | ((long) ((s4 & 0x0F0F0F0F) | (u0 >>> 6 & 0x03030303) << 4) << 32);
    }

    /** The 8 mins as k4Scales the scales: bytes 4-7's low 6 bits; the high nibbles of bytes 8-11 with bytes 4-7's top 2 bits. */
    static long k4Mins(long s8, int s4) {
        int u1 = (int) (s8 >>> 32);
        return (u1 & 0x3F3F3F3FL) | ((long) ((s4 >>> 4 & 0x0F0F0F0F) | (u1 >>> 6 & 0x03030303) << 4) << 32);
    }

    /**
     * Widens the Q4_K row at base: super-blocks of 256 in 144 bytes (fp16 d, fp16 dmin, 12 bytes of 6-bit
     * scales/mins, qs[128]); weight 64c + l is the low nibble of qs[32c + l] (sub-block 2c), 64c + 32 + l
     * its high nibble (sub-block 2c + 1); value (d * scale) * q - (dmin * min) in float, as ggml.
     */
    private void decodeQ4K(long base, float[] dst, int off) {
        decodeQ4K(rowBytes(base), 0, dst, off);
    }

    /**
     * Logical row r's bytes rebuilt from the decode repack into the per-thread array: once the repack has
     * replaced the heap copy, reading the mapping instead brought the file's pages back (a tied embedding's
     * lookups, 64 KB of fault-around each: peak RSS 1.59x the file against 1.22x with a 256-token prompt).
     */
    private byte[] repackedRow(KQuantRowLanes lanes, int r) {
        byte[] row = Q8KDots.rowBuffer((int) encoding.rowBytes(cols));
        lanes.rowBytes(r, row);
        return row;
    }

    /** The row at base copied into the per-thread array ({@link Q8KDots#rowCopy}). */
    private byte[] rowBytes(long base) {
        return Q8KDots.rowCopy(data, base, (int) encoding.rowBytes(cols));
    }

    /** Widens the Q6_K row at base of data (the heap copy, {@link #heapBytes}, or a row copied out). */
    private void decodeQ6(byte[] data, int base, float[] dst, int off) {
        // quarters of each half written out with constant shifts, on int lanes (x86 has no byte
        // shifts): a helper taking the quarter as a parameter made dotQ6 50x slower;
        // d * scale is exact (fp16 x int8), so ds * (q - 32) is ggml's d * sc * q
        for (int b = 0; b < cols / 256; b++) {
            int bo = base + 210 * b;
            float d = Float.float16ToFloat((short) Q8KDots.LE16.get(data, bo + 208));
            for (int half = 0; half < 2; half++) {
                int ql = bo + 64 * half, qh = bo + 128 + 32 * half, sc = bo + 192 + 8 * half;
                int o = off + 256 * b + 128 * half;
                for (int j = 0; j < 32; j += Q6.length()) { // l = j..: low nibbles of ql[l], qh bits 0-1
                    IntVector l = ((IntVector) ByteVector.fromArray(Q6B, data, ql + j)
                            .convertShape(B2I, Q6I, 0)).and(0x0F);
                    IntVector u = ((IntVector) ByteVector.fromArray(Q6B, data, qh + j)
                            .convertShape(B2I, Q6I, 0)).lanewise(LSHL, 4).and(0x30);
                    float ds = d * data[sc + j / 16];
                    ((FloatVector) l.or(u).sub(32).convertShape(I2F, Q6, 0)).mul(ds).intoArray(dst, o + j);
                }
                for (int j = 0; j < 32; j += Q6.length()) { // 32 + l: low nibbles of ql[32 + l], qh bits 2-3
                    IntVector l = ((IntVector) ByteVector.fromArray(Q6B, data, ql + 32 + j)
                            .convertShape(B2I, Q6I, 0)).and(0x0F);
                    IntVector u = ((IntVector) ByteVector.fromArray(Q6B, data, qh + j)
                            .convertShape(B2I, Q6I, 0)).lanewise(LSHL, 2).and(0x30);
                    float ds = d * data[sc + 2 + j / 16];
                    ((FloatVector) l.or(u).sub(32).convertShape(I2F, Q6, 0)).mul(ds).intoArray(dst, o + 32 + j);
                }
                for (int j = 0; j < 32; j += Q6.length()) { // 64 + l: high nibbles of ql[l], qh bits 4-5
                    IntVector l = ((IntVector) ByteVector.fromArray(Q6B, data, ql + j)
                            .convertShape(B2I, Q6I, 0)).lanewise(ASHR, 4).and(0x0F);
                    IntVector u = ((IntVector) ByteVector.fromArray(Q6B, data, qh + j)
                            .convertShape(B2I, Q6I, 0)).and(0x30);
                    float ds = d * data[sc + 4 + j / 16];
                    ((FloatVector) l.or(u).sub(32).convertShape(I2F, Q6, 0)).mul(ds).intoArray(dst, o + 64 + j);
                }
                for (int j = 0; j < 32; j += Q6.length()) { // 96 + l: high nibbles of ql[32 + l], qh bits 6-7
                    IntVector l = ((IntVector) ByteVector.fromArray(Q6B, data, ql + 32 + j)
                            .convertShape(B2I, Q6I, 0)).lanewise(ASHR, 4).and(0x0F);
                    IntVector u = ((IntVector) ByteVector.fromArray(Q6B, data, qh + j)
                            .convertShape(B2I, Q6I, 0)).lanewise(ASHR, 2).and(0x30);
                    float ds = d * data[sc + 6 + j / 16];
                    ((FloatVector) l.or(u).sub(32).convertShape(I2F, Q6, 0)).mul(ds).intoArray(dst, o + 96 + j);
                }
            }
        }
    }

    /** Widens the Q4_K row at base of data (as decodeQ6). */
    private void decodeQ4K(byte[] data, int base, float[] dst, int off) {
        for (int b = 0; b < cols / 256; b++) {
            int bo = base + 144 * b;
            float d = Float.float16ToFloat((short) Q8KDots.LE16.get(data, bo)), dmin = Float.float16ToFloat((short) Q8KDots.LE16.get(data, bo + 2));
            long s8 = (long) Q8KDots.LE64.get(data, bo + 4);
            int s4 = (int) Q8KDots.LE32.get(data, bo + 12);
            long scales = k4Scales(s8, s4), mins = k4Mins(s8, s4);
            for (int c = 0; c < 4; c++) {
                float d1 = d * (scales >>> 16 * c & 0xFF), m1 = dmin * (mins >>> 16 * c & 0xFF);
                float d2 = d * (scales >>> 16 * c + 8 & 0xFF), m2 = dmin * (mins >>> 16 * c + 8 & 0xFF);
                int q = bo + 16 + 32 * c;
                int o = off + 256 * b + 64 * c;
                for (int l = 0; l < 32; l++) {
                    int v = data[q + l] & 0xFF;
                    dst[o + l] = d1 * (v & 0xF) - m1;
                    dst[o + 32 + l] = d2 * (v >>> 4) - m2;
                }
            }
        }
    }

}
