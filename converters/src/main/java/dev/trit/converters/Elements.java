package dev.trit.converters;

import dev.trit.formats.DType;
import dev.trit.formats.GgmlType;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.Half;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Reading float rows out of mapped tensor data, whatever its element type. */
final class Elements {
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Elements() {
    }

    /** True for the safetensors dtypes trit reads as floats. */
    static boolean isFloat(DType t) {
        return t == DType.F16 || t == DType.BF16 || t == DType.F32;
    }

    /** Reads n elements of a safetensors dtype starting at element index first. */
    static void read(MemorySegment data, DType type, long first, float[] dst, int n) {
        switch (type) {
            case F16, BF16 -> {
                // bulk copy out of the mapping, then convert: much faster than element-wise access
                short[] raw = new short[n];
                MemorySegment.copy(data, I16, first * 2, raw, 0, n);
                if (type == DType.F16) for (int i = 0; i < n; i++) dst[i] = Float.float16ToFloat(raw[i]);
                else for (int i = 0; i < n; i++) dst[i] = Float.intBitsToFloat((raw[i] & 0xFFFF) << 16);
            }
            case F32 -> MemorySegment.copy(data, F32, first * 4, dst, 0, n);
            default -> throw new IllegalArgumentException("not a float dtype: " + type);
        }
    }

    /** A row reader over a safetensors tensor of cols columns. */
    static SourceTensor.RowReader<float[]> rows(MemorySegment data, DType type, long cols) {
        return (row0, nrows, dst) -> read(data, type, row0 * cols, dst, Math.toIntExact(nrows * cols));
    }

    /** A row reader over a GGUF tensor of a block type whose rows are whole blocks. */
    static SourceTensor.RowReader<float[]> rows(MemorySegment data, GgmlType type, long cols) {
        BlockCodec codec = BlockCodec.of(type);
        long rowBytes = type.bytesFor(cols);
        return (row0, nrows, dst) -> codec.decode(data.asSlice(row0 * rowBytes, nrows * rowBytes), dst, 0,
                Math.toIntExact(nrows * cols));
    }
}
