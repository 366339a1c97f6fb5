package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import java.util.Objects;

/**
 * A float weight matrix read where it is stored, in its stored precision: F32, F16, BF16 or Q8_0 bytes,
 * usually a slice of a memory-mapped checkpoint that stays mapped for the model's lifetime. Rows are
 * widened to float on the fly (exactly for F32/F16/BF16; Q8_0 as ggml dequantizes, scale * int8 in
 * float), so products equal those over the widened matrix: the kernels dequantize a few rows into
 * per-thread scratch and run the float kernels on them. Activations stay float (no q8_0 x q8_0).
 *
 * @param rowOrder null, or the stored row that holds each logical row (GGUF's permuted Q/K rows)
 */
public record StoredMatrix(int rows, int cols, Encoding encoding, MemorySegment data, int[] rowOrder) implements Matrix {
    /** How elements are stored. */
    public enum Encoding {
        F32, F16, BF16,
        /** ggml's blocks of 32: fp16 scale, then 32 int8. */
        Q8_0;

        long rowBytes(int cols) {
            return switch (this) {
                case F32 -> 4L * cols;
                case F16, BF16 -> 2L * cols;
                case Q8_0 -> (long) cols / 32 * 34;
            };
        }
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public StoredMatrix {
        Objects.requireNonNull(encoding);
        Objects.requireNonNull(data);
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dims");
        if (encoding == Encoding.Q8_0 && cols % 32 != 0) throw new IllegalArgumentException("Q8_0 rows must be whole blocks of 32, got " + cols);
        long need = rows * encoding.rowBytes(cols);
        if (data.byteSize() < need) throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] " + encoding + " needs " + need + " bytes, got " + data.byteSize());
        if (rowOrder != null && rowOrder.length != rows) throw new IllegalArgumentException("row order has " + rowOrder.length + " entries for " + rows + " rows");
    }

    public StoredMatrix(int rows, int cols, Encoding encoding, MemorySegment data) {
        this(rows, cols, encoding, data, null);
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
    /** Per-thread staging of one row's 16-bit values. */
    private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[0]);

    /** Widens logical row r into dst[off .. off+cols). */
    public void decodeRow(int r, float[] dst, int off) {
        long base = rowOffset(r);
        switch (encoding) {
            case F32 -> MemorySegment.copy(data, F32, base, dst, off, cols);
            case F16 -> {
                // bulk copy to a short[], then a plain array loop that C2 auto-vectorizes with the hardware
                // conversion (vcvtph2ps); a Vector API version (bit manipulation plus a shape-changing
                // short-to-int conversion) and a loop over the segment measured slower
                short[] h = HALVES.get();
                if (h.length < cols) HALVES.set(h = new short[cols]);
                MemorySegment.copy(data, U16, base, h, 0, cols);
                for (int c = 0; c < cols; c++) dst[off + c] = Float.float16ToFloat(h[c]);
            }
            case BF16 -> {
                short[] h = HALVES.get();
                if (h.length < cols) HALVES.set(h = new short[cols]);
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
        }
    }
}
