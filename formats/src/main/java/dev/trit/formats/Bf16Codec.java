package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/** GGML_TYPE_BF16: the top 16 bits of a float32; encoding as ggml_compute_fp32_to_bf16 (see {@link Half}). */
public final class Bf16Codec implements BlockCodec {
    public static final Bf16Codec INSTANCE = new Bf16Codec();

    private Bf16Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) dst[dstOffset + i] = Half.bf16ToFloat(src.getAtIndex(Layouts.I16, i));
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        for (int i = 0; i < count; i++) dst.setAtIndex(Layouts.I16, i, Half.floatToBf16(src[srcOffset + i]));
    }
}
