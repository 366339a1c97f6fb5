package dev.trit.formats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The scale layout of a float matrix [rows, cols] whose every value is exactly trit × s, trit in
 * {-1, 0, +1}, with s taken from a few positive scales laid out per tensor, per contiguous block of
 * rows, or per contiguous block of columns -- the way SpectraSuite's TriLM checkpoints store their
 * linears (one scale per model-parallel shard: column-parallel layers split the rows, row-parallel
 * layers the columns). Region k covers rows (or columns) [starts[k], starts[k+1]) (the last one up to
 * rows or cols) and has scale scales[k]; a region whose values are all 0 has scale 0.
 *
 * <p>Recognition ({@link Recognizer}) is exact: a value v is trit × s only if v is ±s bitwise or zero,
 * so a float matrix is never called ternary by accident. The one liberty: -0.0 counts as trit 0
 * (it equals 0 × s under IEEE comparison, not bitwise); {@link #negativeZeros} says how many there
 * were, so a writer that cannot keep the sign of zero can say so.
 */
public record TernaryScales(Axis axis, long rows, long cols, long[] starts, float[] scales, long negativeZeros) {
    /** Along which dimension the scale regions run. */
    public enum Axis {
        /** one scale for the whole tensor */
        TENSOR,
        /** contiguous blocks of rows (output channels; Megatron's column-parallel shards) */
        ROWS,
        /** contiguous blocks of columns (input channels; row-parallel shards) */
        COLUMNS
    }

    /** At most this many distinct nonzero magnitudes (TriLM has at most MP, SpectraSuite's "≤ 1 + MP" values counting 0). */
    public static final int MAX_SCALES = 16;
    /** At most this many regions: more is not "a few shards" but a per-channel layout. */
    public static final int MAX_REGIONS = 64;

    public TernaryScales {
        if (starts.length != scales.length || starts.length == 0 || starts[0] != 0) throw new IllegalArgumentException("bad regions");
        if (axis == Axis.TENSOR && starts.length != 1) throw new IllegalArgumentException("a tensor scale is one region");
    }

    public int regions() {
        return scales.length;
    }

    /** Region k's first and one-past-last row (ROWS) or column (COLUMNS); for TENSOR the whole element range. */
    public long start(int k) {
        return starts[k];
    }

    public long end(int k) {
        return k + 1 < starts.length ? starts[k + 1] : axis == Axis.ROWS ? rows : axis == Axis.COLUMNS ? cols : rows * cols;
    }

    /** The region holding element (row, col). */
    public int regionOf(long row, long col) {
        long x = switch (axis) {
            case TENSOR -> 0;
            case ROWS -> row;
            case COLUMNS -> col;
        };
        int k = Arrays.binarySearch(starts, x);
        return k >= 0 ? k : -k - 2;
    }

    public float scaleAt(long row, long col) {
        return scales[regionOf(row, col)];
    }

    /** The distinct nonzero scales, in order of first appearance. */
    public float[] distinctScales() {
        List<Float> d = new ArrayList<>();
        for (float s : scales) if (s != 0 && !d.contains(s)) d.add(s);
        float[] r = new float[d.size()];
        for (int i = 0; i < r.length; i++) r[i] = d.get(i);
        return r;
    }

    /**
     * True when every run of {@code block} consecutive elements of a row (blocks start at column 0,
     * cols a multiple of block) lies in one region, so a block format with one scale per block can
     * hold the tensor exactly (given the scales themselves are representable).
     */
    public boolean alignsWith(int block) {
        if (cols % block != 0) return false;
        if (axis != Axis.COLUMNS) return true;
        for (int k = 1; k < starts.length; k++) if (starts[k] % block != 0) return false;
        return true;
    }

    /** True when every scale is a float16 number (so an fp16 block scale holds it exactly). */
    public boolean scalesAreF16() {
        for (float s : scales) if (Half.f16ToFloat(Half.floatToF16(s)) != s) return false;
        return true;
    }

    /** "rows [0,128) 0.1388, [128,256) 0.1797"; "tensor 0.05". */
    public String describe() {
        StringBuilder b = new StringBuilder(axis.name().toLowerCase(Locale.ROOT));
        if (axis == Axis.TENSOR) return b.append(' ').append(scales[0]).toString();
        for (int k = 0; k < scales.length; k++) {
            b.append(k == 0 ? " " : ", ").append('[').append(start(k)).append(',').append(end(k)).append(") ").append(scales[k]);
        }
        return b.toString();
    }

    /** The trit of a value of a recognized tensor. */
    public static byte trit(float v) {
        return (byte) (v > 0 ? 1 : v < 0 ? -1 : 0);
    }

    /** A recognized tensor held whole: its trits (row-major) and scale layout. */
    public record Recognized(byte[] trits, TernaryScales scales) {
        public float value(long row, long col) {
            return trits[Math.toIntExact(row * scales.cols() + col)] * scales.scaleAt(row, col);
        }
    }

    /**
     * Recognizes a whole matrix.
     *
     * @param parallel the model-parallel count the checkpoint was trained with (config.json's
     *                 {@code pretraining_model_parallel}); 0 or 1 if unknown
     */
    public static Optional<Recognized> recognize(float[] w, long rows, long cols, int parallel) {
        if ((long) w.length != rows * cols) throw new IllegalArgumentException(w.length + " values, not " + rows + " x " + cols);
        Recognizer r = new Recognizer(rows, cols, parallel);
        r.accept(0, Math.toIntExact(rows), w);
        return r.finish().map(s -> {
            byte[] t = new byte[w.length];
            for (int i = 0; i < w.length; i++) t[i] = trit(w[i]);
            return new Recognized(t, s);
        });
    }

    /**
     * Streaming recognition: feed all rows in order ({@link #accept}), then {@link #finish}. Keeps one
     * small index per row and per column, so a tensor is never held whole.
     */
    public static final class Recognizer {
        private static final byte NONE = -1, MIXED = -2;
        private final long rows, cols;
        private final int parallel;
        private final int[] magnitudes = new int[MAX_SCALES];
        private int distinct;
        private final byte[] rowIdx, colIdx;
        private long next, negZeros;
        private boolean failed;

        public Recognizer(long rows, long cols, int parallel) {
            if (rows <= 0 || cols <= 0 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) throw new IllegalArgumentException(rows + " x " + cols);
            this.rows = rows;
            this.cols = cols;
            this.parallel = parallel;
            rowIdx = new byte[(int) rows];
            colIdx = new byte[(int) cols];
            Arrays.fill(rowIdx, NONE);
            Arrays.fill(colIdx, NONE);
        }

        /** True once the tensor is known not to be ternary-valued (the caller may stop feeding it). */
        public boolean failed() {
            return failed;
        }

        /** Rows row0 .. row0 + nrows, row-major in w[0 .. nrows * cols). */
        public void accept(long row0, int nrows, float[] w) {
            if (row0 != next) throw new IllegalStateException("rows must come in order: expected " + next + ", got " + row0);
            next = row0 + nrows;
            if (failed) return;
            int c = (int) cols;
            for (int r = 0; r < nrows; r++) {
                int ri = (int) (row0 + r);
                byte rowK = rowIdx[ri];
                for (int j = 0; j < c; j++) {
                    float v = w[r * c + j];
                    int bits = Float.floatToRawIntBits(v) & 0x7FFFFFFF;
                    if (bits == 0) {
                        if (Float.floatToRawIntBits(v) != 0) negZeros++;
                        continue;
                    }
                    if (bits >= 0x7F800000) { // Inf, NaN
                        failed = true;
                        return;
                    }
                    byte k = index(bits);
                    if (k == MIXED) {
                        failed = true;
                        return;
                    }
                    if (rowK == NONE) rowK = k;
                    else if (rowK != k) rowK = MIXED;
                    byte ck = colIdx[j];
                    if (ck == NONE) colIdx[j] = k;
                    else if (ck != k) colIdx[j] = MIXED;
                }
                rowIdx[ri] = rowK;
            }
        }

        private byte index(int bits) {
            for (int i = 0; i < distinct; i++) if (magnitudes[i] == bits) return (byte) i;
            if (distinct == MAX_SCALES) return MIXED;
            magnitudes[distinct] = bits;
            return (byte) distinct++;
        }

        /** The layout, or empty if the matrix is not ternary-valued (or all zeros, or not fed whole). */
        public Optional<TernaryScales> finish() {
            if (failed || next != rows || distinct == 0) return Optional.empty();
            if (distinct == 1) {
                return Optional.of(new TernaryScales(Axis.TENSOR, rows, cols, new long[] {0}, new float[] {Float.intBitsToFloat(magnitudes[0])}, negZeros));
            }
            TernaryScales byRows = regions(Axis.ROWS, rowIdx), byCols = regions(Axis.COLUMNS, colIdx);
            // Both can hold only in degenerate cases (a zero quadrant); the shard split of the hint wins.
            if (byRows != null && byCols != null && byCols.regions() == parallel && byRows.regions() != parallel) return Optional.of(byCols);
            return Optional.ofNullable(byRows != null ? byRows : byCols);
        }

        /**
         * Regions along one axis from the per-index scale indices: the equal split into the
         * model-parallel count when every block has one scale, else the maximal runs (all-zero lines
         * join the run before them).
         */
        private TernaryScales regions(Axis axis, byte[] idx) {
            int n = idx.length;
            for (byte k : idx) if (k == MIXED) return null;
            if (parallel > 1 && n % parallel == 0) {
                int size = n / parallel;
                long[] starts = new long[parallel];
                float[] scales = new float[parallel];
                boolean ok = true;
                for (int b = 0; b < parallel && ok; b++) {
                    starts[b] = (long) b * size;
                    byte k = NONE;
                    for (int i = b * size; i < (b + 1) * size && ok; i++) {
                        if (idx[i] == NONE) continue;
                        if (k == NONE) k = idx[i];
                        else ok = k == idx[i];
                    }
                    scales[b] = k == NONE ? 0f : Float.intBitsToFloat(magnitudes[k]);
                }
                if (ok) return new TernaryScales(axis, rows, cols, starts, scales, negZeros);
            }
            List<long[]> runs = new ArrayList<>(); // {start, index}
            byte cur = NONE;
            for (int i = 0; i < n; i++) {
                byte k = idx[i];
                if (k == NONE || k == cur) continue;
                if (cur == NONE) {
                    runs.add(new long[] {0, k}); // leading zero lines join the first run
                } else {
                    runs.add(new long[] {i, k});
                }
                cur = k;
                if (runs.size() > MAX_REGIONS) return null;
            }
            long[] starts = new long[runs.size()];
            float[] scales = new float[runs.size()];
            for (int i = 0; i < starts.length; i++) {
                starts[i] = runs.get(i)[0];
                scales[i] = Float.intBitsToFloat(magnitudes[(int) runs.get(i)[1]]);
            }
            return new TernaryScales(axis, rows, cols, starts, scales, negZeros);
        }
    }
}
