package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/** GGML_TYPE_F16: IEEE half precision; encoding rounds to nearest even (see {@link Half}). */
public final class F16Codec implements BlockCodec {
    public static final F16Codec INSTANCE = new F16Codec();

    private F16Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) dst[dstOffset + i] = Half.f16ToFloat(src.getAtIndex(Layouts.I16, i));
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        for (int i = 0; i < count; i++) dst.setAtIndex(Layouts.I16, i, Half.floatToF16(src[srcOffset + i]));
    }
}
