package dev.trit.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Fused dequantize-and-dot kernels of the block types Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K and Q5_K:
 * the dot product of one stored row with float activations, each weight dequantized in registers with
 * exactly the float operations of formats' codec (ggml's dequantize_row_*: the same products and sums,
 * rounded the same way) and added into a lane-strided fma chain in weight order, so the result is
 * bit-identical to the float kernel over the widened row ({@link VectorKernels}'s dot). Every vector of
 * {@code lanes <= 16} weights lies inside one group of one scale. Per-block scalars (scales, mins, high
 * bits) are read with plain loads; the weights with one vector load per chunk.
 *
 * <p>One static method per type returning a float (a FloatVector returned from a method C2 does not
 * inline is boxed, and a kernel then runs several times slower); the lanes are summed inline in order.
 */
final class BlockDots {
    private BlockDots() {
    }

    private static final VectorSpecies<Float> F = StoredMatrix.F;
    private static final VectorSpecies<Byte> B = StoredMatrix.BF;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    /** Lane indices 0, 1, ..: the bit of a 32-bit high-bit word each lane of a chunk reads. */
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    /** IQ4_NL's 16 values (ggml's kvalues_iq4nl) as int lanes, for a table lookup by nibble. */
    private static final IntVector IQ4_TABLE = F.length() == 16
            ? IntVector.fromArray(I, new int[] {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}, 0)
            : null;

    /** True when the IQ4_NL kernel can run: one vector holds its 16-entry table. */
    static boolean iq4Fused() {
        return IQ4_TABLE != null;
    }

    private static float half(MemorySegment s, long at) {
        return Float.float16ToFloat(s.get(U16, at));
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** Bytes at at as int lanes (sign-extended; callers mask). */
    private static IntVector bytes(MemorySegment s, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, s, at, LE).convertShape(B2I, I, 0);
    }

    /** Q4_1: blocks of 32 in 20 bytes (fp16 d, fp16 m, qs[16]); weight j = q * d + m (low nibbles 0..15, high 16..31). */
    static float q4_1(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 20L * b;
            float d = half(s, bo), m = half(s, bo + 2);
            int o = xo + 32 * b;
            for (int j = 0; j < 16; j += lanes) {
                FloatVector w = ((FloatVector) bytes(s, bo + 4 + j).and(0x0F).convertShape(I2F, F, 0)).mul(d).add(m);
                acc = FloatVector.fromArray(F, x, o + j).fma(w, acc);
            }
            for (int j = 0; j < 16; j += lanes) {
                FloatVector w = ((FloatVector) bytes(s, bo + 4 + j).lanewise(ASHR, 4).and(0x0F).convertShape(I2F, F, 0)).mul(d).add(m);
                acc = FloatVector.fromArray(F, x, o + 16 + j).fma(w, acc);
            }
        }
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }

    /** Q5_0: blocks of 32 in 22 bytes (fp16 d, qh (32 bits), qs[16]); weight j = (nibble | bit j of qh << 4) - 16, times d. */
    static float q5_0(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 22L * b;
            float d = half(s, bo);
            IntVector qh = IntVector.broadcast(I, s.get(U32, bo + 2));
            int o = xo + 32 * b;
            for (int j = 0; j < 16; j += lanes) {
                IntVector hi = qh.lanewise(LSHR, IOTA.add(j)).and(1).lanewise(LSHL, 4);
                FloatVector w = ((FloatVector) bytes(s, bo + 6 + j).and(0x0F).or(hi).sub(16).convertShape(I2F, F, 0)).mul(d);
                acc = FloatVector.fromArray(F, x, o + j).fma(w, acc);
            }
            for (int j = 0; j < 16; j += lanes) {
                IntVector hi = qh.lanewise(LSHR, IOTA.add(j + 16)).and(1).lanewise(LSHL, 4);
                FloatVector w = ((FloatVector) bytes(s, bo + 6 + j).lanewise(ASHR, 4).and(0x0F).or(hi).sub(16).convertShape(I2F, F, 0)).mul(d);
                acc = FloatVector.fromArray(F, x, o + 16 + j).fma(w, acc);
            }
        }
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }

    /** Q5_1: blocks of 32 in 24 bytes (fp16 d, fp16 m, qh, qs[16]); weight j = (nibble | bit j of qh << 4) * d + m. */
    static float q5_1(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 24L * b;
            float d = half(s, bo), m = half(s, bo + 2);
            IntVector qh = IntVector.broadcast(I, s.get(U32, bo + 4));
            int o = xo + 32 * b;
            for (int j = 0; j < 16; j += lanes) {
                IntVector hi = qh.lanewise(LSHR, IOTA.add(j)).and(1).lanewise(LSHL, 4);
                FloatVector w = ((FloatVector) bytes(s, bo + 8 + j).and(0x0F).or(hi).convertShape(I2F, F, 0)).mul(d).add(m);
                acc = FloatVector.fromArray(F, x, o + j).fma(w, acc);
            }
            for (int j = 0; j < 16; j += lanes) {
                IntVector hi = qh.lanewise(LSHR, IOTA.add(j + 16)).and(1).lanewise(LSHL, 4);
                FloatVector w = ((FloatVector) bytes(s, bo + 8 + j).lanewise(ASHR, 4).and(0x0F).or(hi).convertShape(I2F, F, 0)).mul(d).add(m);
                acc = FloatVector.fromArray(F, x, o + 16 + j).fma(w, acc);
            }
        }
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }

    /**
     * IQ4_NL: blocks of 32 in 18 bytes (fp16 d, qs[16]); weight = d * kvalues[nibble]. The product of an
     * fp16 value and an int8 is exact in float, so looking the value up and multiplying is ggml's result.
     */
    static float iq4_nl(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F), acc1 = FloatVector.zero(F); // 16 lanes: vector 2b in chain 0, 2b + 1 in chain 1
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 18L * b;
            float d = half(s, bo);
            int o = xo + 32 * b;
            IntVector q = bytes(s, bo + 2);
            FloatVector w = ((FloatVector) q.and(0x0F).selectFrom(IQ4_TABLE).convertShape(I2F, F, 0)).mul(d);
            acc = FloatVector.fromArray(F, x, o).fma(w, acc);
            w = ((FloatVector) q.lanewise(ASHR, 4).and(0x0F).selectFrom(IQ4_TABLE).convertShape(I2F, F, 0)).mul(d);
            acc1 = FloatVector.fromArray(F, x, o + 16).fma(w, acc1);
        }
        acc = acc.add(acc1);
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }

    /**
     * Q2_K: super-blocks of 256 in 84 bytes (scales[16]: low nibble scale, high nibble min; qs[64]; fp16 d
     * at 80, dmin at 82). Group g of 16 weights: bits 2 ((g % 8) / 2) of qs[32 (g / 8) + 16 (g % 2) + l],
     * value (d * scale) * q - (dmin * min).
     */
    static float q2_k(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++) {
            long bo = base + 84L * b;
            float d = half(s, bo + 80), dmin = half(s, bo + 82);
            for (int g = 0; g < 16; g++) {
                int sc = u8(s, bo + g);
                float dl = d * (sc & 0xF), ml = dmin * (sc >>> 4);
                int shift = 2 * (g % 8 / 2);
                long q0 = bo + 16 + 32 * (g / 8) + 16 * (g % 2);
                int o = xo + 256 * b + 16 * g;
                for (int l = 0; l < 16; l += lanes) {
                    FloatVector w = ((FloatVector) bytes(s, q0 + l).lanewise(ASHR, shift).and(3).convertShape(I2F, F, 0)).mul(dl).sub(ml);
                    acc = FloatVector.fromArray(F, x, o + l).fma(w, acc);
                }
            }
        }
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }

    /**
     * Q3_K: super-blocks of 256 in 110 bytes (hmask[32], qs[64], 12 bytes of 6-bit scales, fp16 d at 108).
     * Group g of 16: 2-bit q from qs as Q2_K, minus 4 where its hmask bit (4 (g / 8) + (g % 8) / 2 of
     * hmask[16 (g % 2) + l]) is clear, times d * (scale - 32).
     */
    static float q3_k(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++) {
            long bo = base + 110L * b;
            float dAll = half(s, bo + 108);
            for (int g = 0; g < 16; g++) {
                int lo = g < 8 ? u8(s, bo + 96 + g) & 0xF : u8(s, bo + 96 + g - 8) >>> 4;
                int scale = lo | ((u8(s, bo + 104 + g % 4) >>> 2 * (g / 4)) & 3) << 4;
                float dl = dAll * (scale - 32);
                int k = g % 8 / 2, bit = 4 * (g / 8) + k;
                long q0 = bo + 32 + 32 * (g / 8) + 16 * (g % 2), m0 = bo + 16 * (g % 2);
                int o = xo + 256 * b + 16 * g;
                for (int l = 0; l < 16; l += lanes) {
                    IntVector q = bytes(s, q0 + l).lanewise(ASHR, 2 * k).and(3);
                    IntVector hi = bytes(s, m0 + l).lanewise(ASHR, bit).and(1).lanewise(LSHL, 2);
                    FloatVector w = ((FloatVector) q.sub(4).add(hi).convertShape(I2F, F, 0)).mul(dl);
                    acc = FloatVector.fromArray(F, x, o + l).fma(w, acc);
                }
            }
        }
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }

    /**
     * Q5_K: super-blocks of 256 in 176 bytes (fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins as Q4_K,
     * qh[32], qs[128]). Sub-blocks 2c and 2c + 1: low / high nibble of qs[32c + l] plus bit 2c / 2c + 1 of
     * qh[l] as bit 4; value (d * scale) * q - (dmin * min).
     */
    static float q5_k(MemorySegment s, long base, int cols, float[] x, int xo) {
        int lanes = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++) {
            long bo = base + 176L * b;
            float d = half(s, bo), dmin = half(s, bo + 2);
            long s8 = s.get(U64, bo + 4);
            int s4 = s.get(U32, bo + 12);
            long scales = StoredMatrix.k4Scales(s8, s4), mins = StoredMatrix.k4Mins(s8, s4);
            for (int c = 0; c < 4; c++) {
                float d1 = d * (scales >>> 16 * c & 0xFF), m1 = dmin * (mins >>> 16 * c & 0xFF);
                float d2 = d * (scales >>> 16 * c + 8 & 0xFF), m2 = dmin * (mins >>> 16 * c + 8 & 0xFF);
                long q = bo + 48 + 32L * c, qh = bo + 16;
                int o = xo + 256 * b + 64 * c;
                for (int l = 0; l < 32; l += lanes) {
                    IntVector hi = bytes(s, qh + l).lanewise(ASHR, 2 * c).and(1).lanewise(LSHL, 4);
                    FloatVector w = ((FloatVector) bytes(s, q + l).and(0x0F).add(hi).convertShape(I2F, F, 0)).mul(d1).sub(m1);
                    acc = FloatVector.fromArray(F, x, o + l).fma(w, acc);
                }
                for (int l = 0; l < 32; l += lanes) {
                    IntVector hi = bytes(s, qh + l).lanewise(ASHR, 2 * c + 1).and(1).lanewise(LSHL, 4);
                    FloatVector w = ((FloatVector) bytes(s, q + l).lanewise(ASHR, 4).and(0x0F).add(hi).convertShape(I2F, F, 0)).mul(d2).sub(m2);
                    acc = FloatVector.fromArray(F, x, o + 32 + l).fma(w, acc);
                }
            }
        }
        float r = 0f;
        for (int i = 0; i < lanes; i++) r += acc.lane(i);
        return r;
    }
}
