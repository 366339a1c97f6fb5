package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import dev.trit.formats.GgmlType;
import dev.trit.formats.TernaryValues;
import dev.trit.formats.Tq1Codec;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A ternary weight matrix kept packed: 2 bits per weight (1.78 where the row-lane kernels run), never
 * expanded to floats. The effective weight is {@code trit * scale}.
 *
 * <p>Layout (ours, chosen for the kernels): row-major; a row is padded to whole blocks of 128 columns
 * (padding trits are 0) and each block is 16 shorts; bit pair k (k = 0..7) of short i holds trit+1 of
 * column 128b + i + 16k (0 = -1, 1 = 0, 2 = +1; 3 never occurs). So 2 bits per weight, and one 16-lane
 * short vector of a block decodes with a shift and a mask into the trits of 16 consecutive columns
 * (the decode kernel); each byte of it (4 columns 16 apart) is one of 81 patterns (the lookup-table
 * prefill kernel). See {@link VectorKernels}.
 *
 * <p>Where the hardware runs the row-lane kernels ({@link #LANES} = 32) a row is stored in base 3 instead:
 * short p holds columns 9p .. 9p + 8 as three 5-bit fields (bits 5f .. 5f + 4, f = 0..2; bit 15 zero), field f
 * the index d0 + 3 d1 + 9 d2 of the group of columns 9p + 3f + k (d_k = trit + 1), which is the entry of that
 * group's 27-entry lookup table both row-lane kernels use. So 1.78 bits per weight, and the kernels take a
 * field by a shift alone (the permute reads an index modulo 32). A row has a multiple of {@link #TRIPLE_ALIGN}
 * shorts (padding columns zero trits): row blocks a multiple of 2 KB apart, which a probe found to stream
 * from memory ~20% faster than other strides on this project's Intel machine (285 shorts per row ran slower
 * than 288 or 320). The rows are stored in blocks of 32 with their shorts interleaved: short p of row
 * 32k + i sits at {@code (k * rowShorts + p) * 32 + i}, so one 32-lane vector holds the same short of 32 rows
 * ({@link RowLaneDecode}, {@link RowLaneKernels}); the rows are padded to a multiple of 32 with zero trits.
 *
 * <p>Or, for a GGUF TQ1_0 tensor, the file's own blocks read in place from the mapping ({@link #tq1InPlace}):
 * 1.69 bits per weight, so such a model's resident size stays near its file's; {@link Tq1Kernels} compute
 * with them directly (the same integer sums, so the same results as the packed form).
 */
public final class TernaryMatrix implements Matrix {
    /** Columns per block and shorts per block. */
    static final int BLOCK = 128, BLOCK_SHORTS = 16;
    /** Shorts per row in the base-3 layout are a multiple of this (see the class comment). */
    static final int TRIPLE_ALIGN = 32;
    /** Columns per short in the base-3 layout: three groups of three. */
    static final int TRIPLE_COLS = 9;
    /** TQ1_0: weights per block, bytes per block. */
    static final int TQ1_BLOCK = GgmlType.TQ1_0.blockSize(), TQ1_BYTES = GgmlType.TQ1_0.blockBytes();

    /**
     * Rows per interleaved block (see the class comment): 32 where {@link RowLaneDecode} and
     * {@link RowLaneKernels} run (32-lane short vectors), else 1 (row-major, for the other kernels). The A/B
     * switches of those kernels (-Dtrit.tokenLanePrefill, -Dtrit.narrowDecode) and -Dtrit.rowMajorTernary
     * keep the row-major layout.
     */
    static final int LANES = RowLaneKernels.SUPPORTED && !Boolean.getBoolean("trit.tokenLanePrefill")
            && !Boolean.getBoolean("trit.narrowDecode") && !Boolean.getBoolean("trit.rowMajorTernary") ? 32 : 1;
    /** A short of zero trits: codes 1 (0x5555), or fields 13 = 1 + 3 + 9 in the base-3 layout. Padding holds it. */
    static final short ZEROS = (short) (LANES == 1 ? 0x5555 : 13 | 13 << 5 | 13 << 10);

    private final int rows, cols, rowShorts;
    /** The packed codes, or null when the matrix is TQ1_0 blocks in place. */
    private final short[] packed;
    /** TQ1_0 rows in place (row-major [stored rows, cols]), or null. */
    private final MemorySegment tq1;
    /** For TQ1_0 in place: the stored row of each matrix row (a llama file's permuted Q/K), or null for the identity. */
    private final int[] storedRow;
    private final float scale;

    private TernaryMatrix(int rows, int cols, short[] packed, float scale) {
        this(rows, cols, packed, null, null, scale);
    }

    private TernaryMatrix(int rows, int cols, short[] packed, MemorySegment tq1, int[] storedRow, float scale) {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("ternary matrix dims must be positive");
        if (!(scale > 0) || Float.isInfinite(scale)) throw new IllegalArgumentException("ternary scale must be positive and finite, got " + scale);
        this.rows = rows;
        this.cols = cols;
        this.rowShorts = shortsPerRow(cols);
        if (packed != null && (long) paddedRows(rows) * rowShorts != packed.length) throw new IllegalArgumentException("packed size mismatch");
        if (tq1 != null) {
            if (cols % TQ1_BLOCK != 0) throw new IllegalArgumentException("TQ1_0 rows must be whole blocks of " + TQ1_BLOCK + ", got " + cols + " columns");
            if (tq1.byteSize() != (long) rows * (cols / TQ1_BLOCK) * TQ1_BYTES) throw new IllegalArgumentException("TQ1_0 data size mismatch");
            if (storedRow != null && storedRow.length != rows) throw new IllegalArgumentException("row order size mismatch");
        }
        this.packed = packed;
        this.tq1 = tq1;
        this.storedRow = storedRow;
        this.scale = scale;
    }

    /**
     * A TQ1_0 tensor's blocks where they are (a [rows, cols] tensor, cols whole blocks), every block's d
     * already checked to be {@code scale} or a block of zeros (as {@link GgufTernary} does); storedRow[r] is
     * the stored row holding matrix row r, or null.
     */
    static TernaryMatrix tq1InPlace(int rows, int cols, MemorySegment data, int[] storedRow, float scale) {
        return new TernaryMatrix(rows, cols, null, StoredMatrix.kernelView(data), storedRow, scale); // see kernelView
    }

    /** True when the weights are TQ1_0 blocks in place (see {@link Tq1Kernels}), false when packed. */
    boolean tq1InPlace() {
        return tq1 != null;
    }

    /** The TQ1_0 bytes (in place only). */
    MemorySegment tq1Data() {
        return tq1;
    }

    /** Byte offset of matrix row r's TQ1_0 blocks (in place only). */
    long tq1RowOffset(int r) {
        return (long) (storedRow == null ? r : storedRow[r]) * (cols / TQ1_BLOCK) * TQ1_BYTES;
    }

    /** Matrix row r's trits from the TQ1_0 blocks, by formats' codec (diagnostics; the kernels read the bytes). */
    private byte[] tq1Row(int r) {
        byte[] trits = new byte[cols];
        long stored = tq1RowOffset(r) / TQ1_BYTES * TQ1_BLOCK; // the row's first weight in the tensor
        Tq1Codec.INSTANCE.decodeTernaryRange(tq1, stored, cols, trits, new float[cols / TQ1_BLOCK]);
        return trits;
    }

    static int blocks(int cols) {
        return (cols + BLOCK - 1) / BLOCK;
    }

    /** Packed shorts per row: whole blocks of 128 columns (LANES = 1), or 9 columns per short padded to {@link #TRIPLE_ALIGN}. */
    static int shortsPerRow(int cols) {
        if (LANES == 1) return blocks(cols) * BLOCK_SHORTS;
        int n = (cols + TRIPLE_COLS - 1) / TRIPLE_COLS;
        return (n + TRIPLE_ALIGN - 1) / TRIPLE_ALIGN * TRIPLE_ALIGN;
    }

    /** The packed short holding column c (within its row). */
    private static int shortOf(int c) {
        return LANES == 1 ? (c >>> 7) * BLOCK_SHORTS + (c & 15) : c / TRIPLE_COLS;
    }

    private static final int[] POW3 = {1, 3, 9};

    /** Code (trit + 1) of column c in its packed short v. */
    private static int code(int v, int c) {
        if (LANES == 1) return (v >>> (2 * ((c & (BLOCK - 1)) >>> 4))) & 3;
        int k = c % TRIPLE_COLS;
        return ((v >>> (5 * (k / 3))) & 31) / POW3[k % 3] % 3;
    }

    /** Short v with column c's code replaced by {@code code}. */
    private static int withCode(int v, int c, int code) {
        if (LANES == 1) {
            int shift = 2 * ((c & (BLOCK - 1)) >>> 4);
            return (v & ~(3 << shift)) | (code << shift);
        }
        int k = c % TRIPLE_COLS, shift = 5 * (k / 3);
        return v + ((code - code(v, c)) * POW3[k % 3] << shift);
    }

    /** Rows stored: rows rounded up to whole blocks of {@link #LANES}. */
    static int paddedRows(int rows) {
        return (rows + LANES - 1) / LANES * LANES;
    }

    /** Index in the packed shorts of row r's short p (see the class comment). */
    static int index(int rowShorts, int r, int p) {
        return LANES == 1 ? r * rowShorts + p : ((r >>> 5) * rowShorts + p) * 32 + (r & 31);
    }

    /**
     * From trits in row-major order (values -1, 0, +1) and the scale of the effective weight. This is the
     * entry point for other codecs (GGUF TQ1_0 / TQ2_0 / I2_S) once they have decoded their blocks.
     */
    public static TernaryMatrix fromTrits(int rows, int cols, byte[] trits, float scale) {
        Objects.requireNonNull(trits);
        if ((long) rows * cols != trits.length) throw new IllegalArgumentException("expected " + (long) rows * cols + " trits, got " + trits.length);
        Builder b = new Builder(rows, cols);
        b.putRows(0, rows, trits);
        return b.build(scale);
    }

    /**
     * From ternary values decoded by a GGUF codec (TQ1_0, TQ2_0, I2_S) of a [rows, cols] tensor in
     * row-major order. The engine keeps one scale per matrix, as BitNet has; per-block scales that differ
     * are refused rather than approximated.
     */
    public static TernaryMatrix fromTernaryValues(int rows, int cols, TernaryValues values) {
        if ((long) rows * cols != values.size()) throw new IllegalArgumentException("expected " + (long) rows * cols + " values, got " + values.size());
        OptionalDouble scale = values.uniformScale();
        if (scale.isEmpty()) throw new IllegalArgumentException("ternary blocks carry different scales (or all trits are 0); one scale per matrix is required");
        return fromTrits(rows, cols, values.trits(), (float) scale.getAsDouble());
    }

    /**
     * From transformers' packed uint8 layout ({@code integrations/bitnet.py pack_weights}): a [out, in]
     * weight is stored as [out/4, in] bytes; packed row p holds original rows p + k*out/4 in bit pairs
     * 2k..2k+1 (k = 0..3), each value+1.
     *
     * @param rows original out_features (4 x the packed rows)
     */
    public static TernaryMatrix fromHfPacked(MemorySegment data, int rows, int cols, float scale) {
        if (rows % 4 != 0) throw new IllegalArgumentException("packed rows " + rows + " not a multiple of 4");
        int packedRows = rows / 4;
        if (data.byteSize() != (long) packedRows * cols) {
            throw new IllegalArgumentException("packed weight has " + data.byteSize() + " bytes, expected " + (long) packedRows * cols);
        }
        Builder b = new Builder(rows, cols);
        for (int p = 0; p < packedRows; p++) {
            for (int c = 0; c < cols; c++) {
                int v = data.get(ValueLayout.JAVA_BYTE, (long) p * cols + c) & 0xff;
                for (int k = 0; k < 4; k++) {
                    int code = (v >>> (2 * k)) & 3;
                    if (code == 3) throw new IllegalArgumentException("packed weight holds code 3 (not a trit) at packed row " + p + " column " + c);
                    b.set(p + k * packedRows, c, code - 1);
                }
            }
        }
        return b.build(scale);
    }

    /**
     * Ternarizes latent float weights as transformers' WeightQuant / 1bitLLM's weight_quant do, in fp32:
     * s = 1 / max(mean|W|, 1e-5); W_t = clamp(rint(W*s), -1, 1); effective weight W_t / s.
     */
    public static TernaryMatrix ternarize(int rows, int cols, float[] w) {
        if ((long) rows * cols != w.length) throw new IllegalArgumentException("weight size mismatch");
        float s = 1.0f / Math.max(AbsMean.of(w), 1e-5f);
        Builder b = new Builder(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float q = (float) Math.rint(w[r * cols + c] * s); // float product, ties to even as torch.round
                b.set(r, c, (int) Math.max(-1f, Math.min(1f, q)));
            }
        }
        return b.build(1.0f / s);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long storedBytes() {
        return packed != null ? 2L * packed.length : tq1.byteSize();
    }

    /** The packed shorts (layout above, interleaved by {@link #LANES}), for the kernels; not to be modified. */
    short[] packed() {
        if (packed == null) throw new IllegalStateException("TQ1_0 blocks in place have no packed codes");
        return packed;
    }

    /** Shorts per packed row ({@link #shortsPerRow}). */
    int rowShorts() {
        return rowShorts;
    }

    /** Bytes per packed row. */
    public int rowBytes() {
        return 2 * rowShorts;
    }

    /** The same trits with another multiplier (shares the packed codes). */
    TernaryMatrix withScale(float s) {
        return new TernaryMatrix(rows, cols, packed, tq1, storedRow, s);
    }

    /** Multiplier of the trits: effective weight = trit * scale. */
    public float scale() {
        return scale;
    }

    public int trit(int r, int c) {
        if (tq1 != null) return tq1Row(r)[c];
        return code(packed[index(rowShorts, r, shortOf(c))], c) - 1;
    }

    @Override
    public float get(int r, int c) {
        return trit(r, c) * scale;
    }

    /** Decodes row r's trits into dst[0..cols). */
    public void decodeRow(int r, short[] dst) {
        if (tq1 != null) {
            byte[] trits = tq1Row(r);
            for (int c = 0; c < cols; c++) dst[c] = trits[c];
            return;
        }
        for (int c = 0; c < cols; c++) dst[c] = (short) (code(packed[index(rowShorts, r, shortOf(c))], c) - 1);
    }

    /** Counts of -1, 0, +1 over the whole matrix. */
    public long[] tritCounts() {
        long[] n = new long[3];
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            decodeRow(r, row);
            for (int c = 0; c < cols; c++) n[row[c] + 1]++;
        }
        return n;
    }

    /**
     * Accumulates trits into the packed layout, one trit or a range of whole rows at a time (loaders
     * fill a matrix from a few rows of decoded trits, never holding a whole tensor unpacked).
     */
    static final class Builder {
        final int rows, cols, rowShorts;
        final short[] packed;

        Builder(int rows, int cols) {
            if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("ternary matrix dims must be positive");
            this.rows = rows;
            this.cols = cols;
            this.rowShorts = shortsPerRow(cols);
            long n = (long) paddedRows(rows) * rowShorts;
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("ternary matrix too large: [" + rows + ", " + cols + "]");
            // zero trits everywhere, so padding columns (and rows) decode as zero
            this.packed = new short[(int) n];
            java.util.Arrays.fill(packed, ZEROS);
        }

        void set(int r, int c, int trit) {
            if (trit < -1 || trit > 1) throw new IllegalArgumentException("not a trit: " + trit);
            int i = index(rowShorts, r, shortOf(c));
            packed[i] = (short) withCode(packed[i], c, trit + 1);
        }

        /** Rows firstRow .. firstRow+n from trits[0 .. n*cols) (row-major, values -1, 0, +1). */
        void putRows(int firstRow, int n, byte[] trits) {
            if (firstRow < 0 || n < 0 || firstRow + n > rows || (long) n * cols > trits.length) {
                throw new IllegalArgumentException("rows " + firstRow + " + " + n + " of " + rows + " from " + trits.length + " trits");
            }
            for (int r = 0; r < n; r++) putRow(firstRow + r, trits, r * cols);
        }

        /**
         * As {@link #putRows}, stored row k of trits (values -1, 0, +1) going to row {@code rowOf[firstStored + k]}
         * (a GGUF LLaMA's Q/K rows, permuted by llama.cpp's converter, back in HF order).
         */
        void putRowsMapped(int firstStored, int n, byte[] trits, int[] rowOf) {
            if ((long) n * cols > trits.length) throw new IllegalArgumentException(n + " rows from " + trits.length + " trits");
            for (int r = 0; r < n; r++) putRow(rowOf[firstStored + r], trits, r * cols);
        }

        private void putRow(int row, byte[] trits, int src) {
            if (row < 0 || row >= rows) throw new IllegalArgumentException("row " + row + " of " + rows);
            if (LANES > 1) {
                // short p: three fields of three columns each, d0 + 3 d1 + 9 d2; padding columns code 1
                for (int p = 0; p < rowShorts; p++) {
                    int v = 0;
                    for (int f = 0; f < 3; f++) {
                        int e = 0;
                        for (int k = 2; k >= 0; k--) {
                            int c = TRIPLE_COLS * p + 3 * f + k;
                            int code = 1;
                            if (c < cols) {
                                int t = trits[src + c];
                                if (t < -1 || t > 1) throw new IllegalArgumentException("not a trit: " + t);
                                code = t + 1;
                            }
                            e = 3 * e + code;
                        }
                        v |= e << (5 * f);
                    }
                    packed[index(rowShorts, row, p)] = (short) v;
                }
                return;
            }
            for (int c0 = 0, dst = 0; c0 < cols; c0 += BLOCK, dst += BLOCK_SHORTS) {
                // short i of a block holds columns c0 + i + 16k in bit pairs k; padding keeps code 1
                for (int i = 0; i < BLOCK_SHORTS; i++) {
                    int v = 0;
                    for (int k = 0; k < 8; k++) {
                        int c = c0 + i + 16 * k;
                        int code = 1;
                        if (c < cols) {
                            int t = trits[src + c];
                            if (t < -1 || t > 1) throw new IllegalArgumentException("not a trit: " + t);
                            code = t + 1;
                        }
                        v |= code << (2 * k);
                    }
                    packed[index(rowShorts, row, dst + i)] = (short) v;
                }
            }
        }

        TernaryMatrix build(float scale) {
            return new TernaryMatrix(rows, cols, packed, scale);
        }
    }
}
