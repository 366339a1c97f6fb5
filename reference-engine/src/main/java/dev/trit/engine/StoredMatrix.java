package dev.trit.engine;

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

    private static final VectorSpecies<Short> H = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final float TWO_POW_112 = 0x1p112f;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;

    /**
     * Eight fp16 values at byte offset o widened exactly to float lanes: the 15 magnitude bits moved up
     * to a float's exponent/mantissa position read as a float and scaled by 2^112 (exact for normal and
     * subnormal halves alike; a power-of-two scaling), infinities/NaNs given the all-ones exponent with
     * their payload kept and NaNs made quiet, as Float.float16ToFloat does; then the sign. The tests check all 65536 values.
     */
    static FloatVector halves(MemorySegment data, long o) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, data, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, I8, 0);
        IntVector mag = h.and(0x7fff);
        IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
        FloatVector finite = shifted.reinterpretAsFloats().mul(TWO_POW_112);
        VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7c00);
        IntVector bits = finite.reinterpretAsInts().blend(shifted.or(0x7f800000), special);
        // NaNs come out quiet, as Float.float16ToFloat returns them
        bits = bits.blend(bits.or(0x00400000), mag.compare(VectorOperators.GT, 0x7c00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** Eight bf16 values at byte offset o widened to float lanes (a shift: exact). */
    static FloatVector bfloats(MemorySegment data, long o) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, data, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, I8, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Widens logical row r into dst[off .. off+cols). */
    public void decodeRow(int r, float[] dst, int off) {
        long base = rowOffset(r);
        switch (encoding) {
            case F32 -> MemorySegment.copy(data, F32, base, dst, off, cols);
            case F16 -> {
                int c = 0;
                for (; c + 8 <= cols; c += 8) halves(data, base + 2L * c).intoArray(dst, off + c);
                for (; c < cols; c++) dst[off + c] = Float.float16ToFloat(data.get(U16, base + 2L * c));
            }
            case BF16 -> {
                int c = 0;
                for (; c + 8 <= cols; c += 8) bfloats(data, base + 2L * c).intoArray(dst, off + c);
                for (; c < cols; c++) dst[off + c] = Float.intBitsToFloat(data.get(U16, base + 2L * c) << 16);
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
