package dev.trit.formats;

import java.lang.foreign.MemorySegment;

/**
 * bitnet.cpp's I2_S (type id 36 in its ggml fork; src/ggml-bitnet-mad.cpp {@code quantize_i2_s}, x86
 * build, where QK_I2_S = 128). A whole tensor of n weights takes n/4 + 32 bytes:
 * <ul>
 *   <li>n/4 bytes of 2-bit codes, code = trit + 1 (0 = -1, 1 = 0, 2 = +1), in groups of 128 weights
 *       per 32 bytes: weight j of a group is in byte j % 32 of the group, at bit 6 - 2 * (j / 32) (so
 *       byte m holds weights m, m+32, m+64, m+96 from the high bits down);</li>
 *   <li>one float32 scale for the whole tensor at byte n/4, then 28 bytes of padding (written as 0;
 *       quantize_i2_s leaves them unset).</li>
 * </ul>
 * Value = trit * scale. Encoding floats follows quantize_i2_s: scale = max |x| over the tensor; trit =
 * 0 where |x| < 1e-6, else the sign of x. (bitnet.cpp's ARM build packs groups of 64 in 16 bytes
 * instead, and its later "1x4" layout interleaves rows; files from those are not this layout and
 * cannot be told apart from the header, which is why only the x86 layout is implemented.)
 *
 * <p>I2_S is a whole-tensor format: segments passed here must hold the complete tensor and count
 * must be its element count.
 */
public final class I2sCodec implements TernaryCodec {
    public static final I2sCodec INSTANCE = new I2sCodec();
    private static final int QK = 128, GROUP_BYTES = 32;

    private I2sCodec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.I2_S;
    }

    @Override
    public int groupSize(int count) {
        return count;
    }

    private static int code(MemorySegment src, int i) {
        int g = i / QK, j = i % QK;
        int byteAt = g * GROUP_BYTES + j % 32;
        return ((src.get(Layouts.I8, byteAt) & 0xFF) >>> (6 - 2 * (j / 32))) & 3;
    }

    private static float scale(MemorySegment src, int count) {
        return src.get(Layouts.F32, count / 4);
    }

    @Override
    public void decode(MemorySegment src, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        float s = scale(src, count);
        // Code 3 is never written; bitnet.cpp's kernels would read it as +2, and so does this.
        for (int i = 0; i < count; i++) dst[dstOffset + i] = (code(src, i) - 1) * s;
    }

    /** The scale sits in the 32-byte trailer, so a range can be decoded given the whole tensor. */
    @Override
    public void decodeRange(MemorySegment tensor, long first, float[] dst, int dstOffset, int count) {
        BlockCodec.checkBlocks(type(), count);
        if (first % QK != 0) throw new IllegalArgumentException("element " + first + " is not at an I2_S group boundary");
        float s = tensor.get(Layouts.F32, tensor.byteSize() - GgmlType.I2S_TRAILER_BYTES);
        MemorySegment part = tensor.asSlice(first / 4, count / 4);
        for (int i = 0; i < count; i++) dst[dstOffset + i] = (code(part, i) - 1) * s;
    }

    @Override
    public TernaryValues decodeTernary(MemorySegment src, int count) {
        BlockCodec.checkBlocks(type(), count);
        byte[] trits = new byte[count];
        unpack(src, 0, count, trits);
        if (count == 0) return new TernaryValues(trits, new float[0], 1);
        return new TernaryValues(trits, new float[] {scale(src, count)}, count);
    }

    /** As {@link #decodeRange}: the scale comes from the tensor's trailer. */
    @Override
    public void decodeTernaryRange(MemorySegment tensor, long first, int count, byte[] trits, float[] scales) {
        BlockCodec.checkBlocks(type(), count);
        BlockCodec.checkStart(type(), first);
        unpack(tensor.asSlice(first / 4, count / 4), first, count, trits);
        scales[0] = tensor.get(Layouts.F32, tensor.byteSize() - GgmlType.I2S_TRAILER_BYTES);
    }

    /** Trits of weights first .. first+count, whose codes start at byte 0 of part. */
    private static void unpack(MemorySegment part, long first, int count, byte[] trits) {
        for (int i = 0; i < count; i++) {
            int c = code(part, i);
            if (c == 3) throw new IllegalArgumentException("I2_S weight " + (first + i) + " holds the invalid code 3");
            trits[i] = (byte) (c - 1);
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst) {
        BlockCodec.checkBlocks(type(), count);
        double max = 0;
        for (int i = 0; i < count; i++) max = Math.max(max, Math.abs((double) src[srcOffset + i]));
        byte[] trits = new byte[count];
        for (int i = 0; i < count; i++) {
            double x = src[srcOffset + i];
            trits[i] = (byte) (Math.abs(x) < 1e-6 ? 0 : x * max > 0 ? 1 : -1);
        }
        pack(trits, (float) max, dst);
    }

    @Override
    public void encodeTernary(TernaryValues v, MemorySegment dst) {
        if (v.scales().length != 1) throw new IllegalArgumentException("I2_S has one scale per tensor, got " + v.scales().length);
        BlockCodec.checkBlocks(type(), v.size());
        pack(v.trits(), v.scales()[0], dst);
    }

    private static void pack(byte[] trits, float scale, MemorySegment dst) {
        int n = trits.length;
        for (int g = 0; g < n / QK; g++) {
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int k = 0; k < 4; k++) q |= (trits[g * QK + k * 32 + m] + 1) << (6 - 2 * k);
                dst.set(Layouts.I8, (long) g * GROUP_BYTES + m, (byte) q);
            }
        }
        dst.set(Layouts.F32, n / 4, scale);
        dst.asSlice(n / 4 + 4, GgmlType.I2S_TRAILER_BYTES - 4).fill((byte) 0);
    }
}
