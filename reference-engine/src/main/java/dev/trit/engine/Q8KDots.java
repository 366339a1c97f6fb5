package dev.trit.engine;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

/**
 * Row products of K-quant weights with {@link Q8KActivations}, as ggml-cpu's {@code ggml_vec_dot_q6_K_q8_K}
 * and {@code ggml_vec_dot_q4_K_q8_K} compute them: per super-block of 256 the sums of scale * quant *
 * activation exact in integers, then float steps,
 * <pre>
 *   Q6_K: f_l = fma(isum_l, fp16(d) * y.d, f_l)                 isum_l = sum_j sc_j * sum (q - 32) * a
 *   Q4_K: f_l = fma(isum_l, fp16(d) * y.d, f_l),  g_j = fma(m_j * bsum32_j, fp16(dmin) * y.d, g_j)
 *         isum_l = sum_j sc_j * sum q * a;  result: fold(f) - fold(g)
 * </pre>
 * with 16 partial float sums f_l, as ggml's SIMD forms keep 8 (one fma per lane and super-block instead of
 * a horizontal integer sum per super-block): lane l holds the weights 2l and 2l + 1 of every 32 consecutive
 * ones (a Q4_K sub-block; two Q6_K sub-blocks of 16), exact in ints (|isum_l| <= 16 * 32 * 127 * 128 <
 * 2^24, so its float is exact too); the Q4_K mins term keeps 8 lanes, one per sub-block of 32. At the end
 * of the row, fold(f) = ((h0 + h4) + (h2 + h6)) + ((h1 + h5) + (h3 + h7)) with h_i = f_i + f_(i+8), and
 * fold(g) the same over g's 8 lanes: a fixed order, so the vector kernels (16 int lanes on 512-bit
 * hardware, two vectors of 8 on 256-bit) and the scalar references (vector false, or hardware without 16-
 * or 32-lane short vectors) are bit-identical (Q8KDotsTest). The integer part multiplies 6- and 4-bit
 * quants by the int8 activations in short lanes (|q * a| <= 32 * 127), adds adjacent lanes into int lanes
 * (each pair lies in one sub-block of 16), multiplies by the sub-block scales and accumulates.
 */
final class Q8KDots {
    private Q8KDots() {
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Short lanes: the preferred shape's; the vector kernels need 16 or 32 (16 divides a sub-block, 32 spans two). */
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> SB = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    private static final VectorSpecies<Float> SF = VectorSpecies.of(float.class, S.vectorShape());
    /** The Q4_K mins' 8 lanes (one per sub-block of 32), and the 8 bytes they come from. */
    private static final VectorSpecies<Integer> SI8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> SF8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Long> SL8 = LongVector.SPECIES_256;
    static final boolean VECTOR = (S.length() == 16 || S.length() == 32) && SB.length() == S.length();
    private static final int L = S.length();
    /** Int lanes from the second half of the short lanes: with 32 short lanes, the next sub-block's. */
    private static final VectorMask<Integer> UPPER = VectorMask.fromLong(SI, ((1L << SI.length()) - 1) & -(1L << SI.length() / 2));
    private static final VectorSpecies<Byte> SB16 = ByteVector.SPECIES_128;
    /**
     * With 32 short lanes, Q6_K's 16 scales sit in int lanes 0-15; product k (0-3) of half h takes scales
     * 8h + 2k (int lanes 0-7) and 8h + 2k + 1 (8-15): entry 4h + k. Unused on other hardware (all lanes 0 there).
     */
    private static final VectorShuffle<Integer>[] Q6_SCALES = q6Scales();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Integer>[] q6Scales() {
        VectorShuffle<Integer>[] s = new VectorShuffle[8];
        for (int i = 0; i < 8; i++) {
            int first = 8 * (i / 4) + 2 * (i % 4);
            s[i] = VectorShuffle.fromOp(SI, lane -> SI.length() == 16 ? first + lane / 8 : 0);
        }
        return s;
    }

    /** With 16 float lanes: lane i to i ^ 8 (the first step of fold). */
    private static final VectorShuffle<Float> HALVES = VectorShuffle.fromOp(SF, i -> SF.length() == 16 ? i ^ 8 : i);

    /** fold over 16 partial sums (see the class comment), the scalar references' form. */
    private static float fold16(float[] f) {
        float h0 = f[0] + f[8], h1 = f[1] + f[9], h2 = f[2] + f[10], h3 = f[3] + f[11];
        float h4 = f[4] + f[12], h5 = f[5] + f[13], h6 = f[6] + f[14], h7 = f[7] + f[15];
        return ((h0 + h4) + (h2 + h6)) + ((h1 + h5) + (h3 + h7));
    }

    private static float fold8(float[] g) {
        return ((g[0] + g[4]) + (g[2] + g[6])) + ((g[1] + g[5]) + (g[3] + g[7]));
    }

    // ---------------------------------------------------------------- Q6_K

    static float q6k(MemorySegment data, long base, int cols, Q8KActivations a, int t, boolean vector) {
        return vector && VECTOR ? q6kVector(data, base, cols, a, t) : q6kScalar(data, base, cols, a, t);
    }

    /** The reference: per super-block the 16 lanes' integer sums, then one fma each. */
    static float q6kScalar(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256);
        short[] aq = a.q();
        float[] f = new float[16];
        int[] il = new int[16];
        for (int b = 0; b < blocks; b++) {
            long bo = base + 210L * b;
            java.util.Arrays.fill(il, 0);
            for (int h = 0; h < 2; h++) {
                long ql = bo + 64 * h, qh = bo + 128 + 32 * h, sc = bo + 192 + 8 * h;
                int o = ao + 256 * b + 128 * h;
                for (int l = 0; l < 32; l++) {
                    int lo0 = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF, lo1 = data.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xFF;
                    int hb = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                    int is = l / 16;
                    il[l / 2] += data.get(ValueLayout.JAVA_BYTE, sc + is) * (((lo0 & 0xF) | (hb & 3) << 4) - 32) * aq[o + l]
                            + data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * (((lo1 & 0xF) | (hb >> 2 & 3) << 4) - 32) * aq[o + 32 + l]
                            + data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * (((lo0 >> 4) | (hb >> 4 & 3) << 4) - 32) * aq[o + 64 + l]
                            + data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * (((lo1 >> 4) | (hb >> 6 & 3) << 4) - 32) * aq[o + 96 + l];
                }
            }
            float d = Float.float16ToFloat(data.get(U16, bo + 208)) * a.d()[dOff + b];
            for (int l = 0; l < 16; l++) f[l] = Math.fma((float) il[l], d, f[l]);
        }
        return fold16(f);
    }

    /**
     * q6kScalar in vectors. Written out (no helpers taking or returning vectors: one C2 does not inline
     * allocates them). Products pairs: int lane i of a product vector holds short lanes 2i, 2i + 1, added as
     * ((v << 16) + v) >> 16 (the low half's carry cannot reach bit 16's sum: |sum| < 2^15). With 16 short
     * lanes, acc0/f0 hold lanes 0-7 (short lanes j = 0) and acc1/f1 lanes 8-15 (j = 16).
     */
    private static float q6kVector(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256);
        short[] aq = a.q();
        FloatVector f0 = FloatVector.zero(SF), f1 = FloatVector.zero(SF);
        for (int b = 0; b < blocks; b++) {
            long bo = base + 210L * b;
            IntVector acc0 = IntVector.zero(SI), acc1 = IntVector.zero(SI);
            // 32 short lanes: all 16 scales in int lanes once, each product's pair of scales by one rearrange
            IntVector scv = L == 32 ? (IntVector) ByteVector.fromMemorySegment(SB16, data, bo + 192, LE).convertShape(B2I, SI, 0) : null;
            for (int h = 0; h < 2; h++) {
                long ql = bo + 64 * h, qh = bo + 128 + 32 * h;
                long sc = data.get(U64, bo + 192 + 8 * h);
                int o = ao + 256 * b + 128 * h;
                for (int j = 0; j < 32; j += L) {
                    int m0 = j / 16, m1 = (j + L - 1) / 16; // sub-blocks (of the group of two) of the first and last lanes
                    ShortVector l0 = (ShortVector) ByteVector.fromMemorySegment(SB, data, ql + j, LE).convertShape(B2S, S, 0);
                    ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(SB, data, ql + 32 + j, LE).convertShape(B2S, S, 0);
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(SB, data, qh + j, LE).convertShape(B2S, S, 0);

                    ShortVector q = l0.and((short) 15).or(hb.lanewise(LSHL, 4).and((short) 0x30)).sub((short) 32);
                    IntVector p = (IntVector) q.mul(ShortVector.fromArray(S, aq, o + j)).reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    IntVector sum = p.mul(L == 32 ? scv.rearrange(Q6_SCALES[4 * h])
                            : IntVector.broadcast(SI, (byte) (sc >>> 8 * m0)).blend((byte) (sc >>> 8 * m1), UPPER));

                    q = l1.and((short) 15).or(hb.lanewise(LSHL, 2).and((short) 0x30)).sub((short) 32);
                    p = (IntVector) q.mul(ShortVector.fromArray(S, aq, o + 32 + j)).reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p.mul(L == 32 ? scv.rearrange(Q6_SCALES[4 * h + 1])
                            : IntVector.broadcast(SI, (byte) (sc >>> 8 * (m0 + 2))).blend((byte) (sc >>> 8 * (m1 + 2)), UPPER)));

                    q = l0.lanewise(ASHR, 4).and((short) 15).or(hb.and((short) 0x30)).sub((short) 32);
                    p = (IntVector) q.mul(ShortVector.fromArray(S, aq, o + 64 + j)).reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p.mul(L == 32 ? scv.rearrange(Q6_SCALES[4 * h + 2])
                            : IntVector.broadcast(SI, (byte) (sc >>> 8 * (m0 + 4))).blend((byte) (sc >>> 8 * (m1 + 4)), UPPER)));

                    q = l1.lanewise(ASHR, 4).and((short) 15).or(hb.lanewise(ASHR, 2).and((short) 0x30)).sub((short) 32);
                    p = (IntVector) q.mul(ShortVector.fromArray(S, aq, o + 96 + j)).reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p.mul(L == 32 ? scv.rearrange(Q6_SCALES[4 * h + 3])
                            : IntVector.broadcast(SI, (byte) (sc >>> 8 * (m0 + 6))).blend((byte) (sc >>> 8 * (m1 + 6)), UPPER)));
                    if (j == 0) acc0 = acc0.add(sum);
                    else acc1 = acc1.add(sum);
                }
            }
            FloatVector d = FloatVector.broadcast(SF, Float.float16ToFloat(data.get(U16, bo + 208)) * a.d()[dOff + b]);
            f0 = ((FloatVector) acc0.convert(I2F, 0)).fma(d, f0);
            if (L == 16) f1 = ((FloatVector) acc1.convert(I2F, 0)).fma(d, f1);
        }
        FloatVector h = L == 16 ? f0.add(f1) : f0.add(f0.rearrange(HALVES));
        return ((h.lane(0) + h.lane(4)) + (h.lane(2) + h.lane(6))) + ((h.lane(1) + h.lane(5)) + (h.lane(3) + h.lane(7)));
    }

    // ---------------------------------------------------------------- Q4_K

    static float q4k(MemorySegment data, long base, int cols, Q8KActivations a, int t, boolean vector) {
        return vector && VECTOR ? q4kVector(data, base, cols, a, t) : q4kScalar(data, base, cols, a, t);
    }

    /** The reference: per super-block the 16 lanes' integer sums and the 8 sub-blocks' min terms, then one fma each. */
    static float q4kScalar(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256), bsOff = t * (cols / 32);
        short[] aq = a.q();
        int[] bsums = a.bsums();
        float[] f = new float[16], g = new float[8];
        int[] il = new int[16];
        for (int b = 0; b < blocks; b++) {
            long bo = base + 144L * b;
            long s8 = data.get(U64, bo + 4);
            int s4 = data.get(U32, bo + 12);
            long scales = StoredMatrix.k4Scales(s8, s4), mins = StoredMatrix.k4Mins(s8, s4);
            java.util.Arrays.fill(il, 0);
            for (int c = 0; c < 4; c++) {
                int sc1 = (int) (scales >>> 16 * c & 0xFF), sc2 = (int) (scales >>> 16 * c + 8 & 0xFF);
                long q = bo + 16 + 32L * c;
                int o = ao + 256 * b + 64 * c;
                for (int l = 0; l < 32; l++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, q + l) & 0xFF;
                    il[l / 2] += sc1 * (v & 0xF) * aq[o + l] + sc2 * (v >>> 4) * aq[o + 32 + l];
                }
            }
            float yd = a.d()[dOff + b];
            float d = Float.float16ToFloat(data.get(U16, bo)) * yd, dmin = Float.float16ToFloat(data.get(U16, bo + 2)) * yd;
            for (int l = 0; l < 16; l++) f[l] = Math.fma((float) il[l], d, f[l]);
            for (int j = 0; j < 8; j++) g[j] = Math.fma((float) ((int) (mins >>> 8 * j & 0xFF) * bsums[bsOff + 8 * b + j]), dmin, g[j]);
        }
        return fold16(f) - fold8(g);
    }

    /** q4kScalar in vectors (as q6kVector: written out; the mins' 8 lanes from the packed bytes, times bsums). */
    private static float q4kVector(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256), bsOff = t * (cols / 32);
        short[] aq = a.q();
        int[] bsums = a.bsums();
        FloatVector f0 = FloatVector.zero(SF), f1 = FloatVector.zero(SF), g = FloatVector.zero(SF8);
        for (int b = 0; b < blocks; b++) {
            long bo = base + 144L * b;
            long s8 = data.get(U64, bo + 4);
            int s4 = data.get(U32, bo + 12);
            long scales = StoredMatrix.k4Scales(s8, s4), mins = StoredMatrix.k4Mins(s8, s4);
            IntVector acc0 = IntVector.zero(SI), acc1 = IntVector.zero(SI);
            for (int c = 0; c < 4; c++) {
                IntVector sc1 = IntVector.broadcast(SI, (int) (scales >>> 16 * c & 0xFF)), sc2 = IntVector.broadcast(SI, (int) (scales >>> 16 * c + 8 & 0xFF));
                long q = bo + 16 + 32L * c;
                int o = ao + 256 * b + 64 * c;
                for (int l = 0; l < 32; l += L) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(SB, data, q + l, LE).convertShape(B2S, S, 0);
                    IntVector p = (IntVector) v.and((short) 15).mul(ShortVector.fromArray(S, aq, o + l)).reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    IntVector sum = p.mul(sc1);
                    p = (IntVector) v.lanewise(ASHR, 4).and((short) 15).mul(ShortVector.fromArray(S, aq, o + 32 + l)).reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p.mul(sc2));
                    if (l == 0) acc0 = acc0.add(sum);
                    else acc1 = acc1.add(sum);
                }
            }
            float yd = a.d()[dOff + b];
            FloatVector d = FloatVector.broadcast(SF, Float.float16ToFloat(data.get(U16, bo)) * yd);
            f0 = ((FloatVector) acc0.convert(I2F, 0)).fma(d, f0);
            if (L == 16) f1 = ((FloatVector) acc1.convert(I2F, 0)).fma(d, f1);
            IntVector m = (IntVector) LongVector.broadcast(SL8, mins).reinterpretAsBytes().convertShape(B2I, SI8, 0); // 6-bit: no sign
            FloatVector dmin = FloatVector.broadcast(SF8, Float.float16ToFloat(data.get(U16, bo + 2)) * yd);
            g = ((FloatVector) m.mul(IntVector.fromArray(SI8, bsums, bsOff + 8 * b)).convert(I2F, 0)).fma(dmin, g);
        }
        FloatVector h = L == 16 ? f0.add(f1) : f0.add(f0.rearrange(HALVES));
        float fs = ((h.lane(0) + h.lane(4)) + (h.lane(2) + h.lane(6))) + ((h.lane(1) + h.lane(5)) + (h.lane(3) + h.lane(7)));
        float gs = ((g.lane(0) + g.lane(4)) + (g.lane(2) + g.lane(6))) + ((g.lane(1) + g.lane(5)) + (g.lane(3) + g.lane(7)));
        return fs - gs;
    }
}
