package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/** GGML_TYPE_F32: little-endian IEEE float32, copied as is. */
public final class F32Codec implements BlockCodec {
    public static final F32Codec INSTANCE = new F32Codec();

    private F32Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        MemorySegment.copy(src, Layouts.F32, 0, dst, dstOffset, count);
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        MemorySegment.copy(src, srcOffset, dst, Layouts.F32, 0, count);
    }
}
