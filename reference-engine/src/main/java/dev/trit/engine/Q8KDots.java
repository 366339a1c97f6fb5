package dev.trit.engine;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.LSHL;

/**
 * Row products of K-quant weights with {@link Q8KActivations}, as ggml-cpu's {@code ggml_vec_dot_q6_K_q8_K}
 * and {@code ggml_vec_dot_q4_K_q8_K} compute them: per super-block of 256 the sum of scale * quant *
 * activation exact in integers, then one float step per super-block,
 * <pre>
 *   Q6_K: s += (fp16(d) * y.d) * isum                      isum = sum_j sc_j * sum_16 (q - 32) * a
 *   Q4_K: s += (fp16(d) * y.d) * isum;  s -= (fp16(dmin) * y.d) * imin
 *                                       isum = sum_j sc_j * sum_32 q * a,  imin = sum_j m_j * bsum32_j
 * </pre>
 * in super-block order. (ggml's SIMD forms keep 8 float partial sums instead of one; the integer part,
 * all of the arithmetic but one multiply-add per 256 weights, is the same.) The vector kernels multiply
 * 6- and 4-bit quants by the int8 activations in short lanes (|q * a| <= 32 * 127), add adjacent lanes into
 * int lanes (each pair lies in one sub-block of 16), multiply by the sub-block scales and accumulate; the
 * scalar forms (vector false, or hardware without 16- or 32-lane short vectors) are the reference, and the
 * two are bit-identical (Q8KDotsTest).
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
    static final boolean VECTOR = (S.length() == 16 || S.length() == 32) && SB.length() == S.length();
    private static final int L = S.length();
    /** Int lanes from the second half of the short lanes: with 32 short lanes, the next sub-block's. */
    private static final VectorMask<Integer> UPPER = VectorMask.fromLong(SI, ((1L << SI.length()) - 1) & -(1L << SI.length() / 2));

    // ---------------------------------------------------------------- Q6_K

    static float q6k(MemorySegment data, long base, int cols, Q8KActivations a, int t, boolean vector) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256);
        float s = 0f;
        for (int b = 0; b < blocks; b++) {
            long bo = base + 210L * b;
            int isum = vector && VECTOR ? q6Block(data, bo, a.q(), ao + 256 * b) : q6BlockScalar(data, bo, a.q(), ao + 256 * b);
            float d = Float.float16ToFloat((short) (data.get(U64, bo + 202) >>> 48)) * a.d()[dOff + b];
            s += d * isum;
        }
        return s;
    }

    /** The reference: ggml's integer sum of one Q6_K super-block (bytes at bo) with the quants at a[ao..]. */
    static int q6BlockScalar(MemorySegment data, long bo, short[] a, int ao) {
        int isum = 0;
        for (int h = 0; h < 2; h++) {
            long ql = bo + 64 * h, qh = bo + 128 + 32 * h, sc = bo + 192 + 8 * h;
            int o = ao + 128 * h;
            for (int l = 0; l < 32; l++) {
                int lo0 = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF, lo1 = data.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xFF;
                int hb = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                int is = l / 16;
                isum += data.get(ValueLayout.JAVA_BYTE, sc + is) * (((lo0 & 0xF) | (hb & 3) << 4) - 32) * a[o + l];
                isum += data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * (((lo1 & 0xF) | (hb >> 2 & 3) << 4) - 32) * a[o + 32 + l];
                isum += data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * (((lo0 >> 4) | (hb >> 4 & 3) << 4) - 32) * a[o + 64 + l];
                isum += data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * (((lo1 >> 4) | (hb >> 6 & 3) << 4) - 32) * a[o + 96 + l];
            }
        }
        return isum;
    }

    /**
     * q6BlockScalar in vectors. Written out (no helpers taking or returning vectors: one C2 does not inline
     * allocates them). Products pairs: int lane i of a product vector holds short lanes 2i, 2i + 1, added as
     * ((v << 16) + v) >> 16 (the low half's carry cannot reach bit 16's sum: |sum| < 2^15).
     */
    private static int q6Block(MemorySegment data, long bo, short[] a, int ao) {
        IntVector acc = IntVector.zero(SI);
        for (int h = 0; h < 2; h++) {
            long ql = bo + 64 * h, qh = bo + 128 + 32 * h;
            long sc = data.get(U64, bo + 192 + 8 * h);
            int o = ao + 128 * h;
            for (int j = 0; j < 32; j += L) {
                int m0 = j / 16, m1 = (j + L - 1) / 16; // sub-blocks (of the group of two) of the first and last lanes
                ShortVector l0 = (ShortVector) ByteVector.fromMemorySegment(SB, data, ql + j, LE).convertShape(B2S, S, 0);
                ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(SB, data, ql + 32 + j, LE).convertShape(B2S, S, 0);
                ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(SB, data, qh + j, LE).convertShape(B2S, S, 0);

                ShortVector q = l0.and((short) 15).or(hb.lanewise(LSHL, 4).and((short) 0x30)).sub((short) 32);
                IntVector p = (IntVector) q.mul(ShortVector.fromArray(S, a, o + j)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc = acc.add(p.mul(IntVector.broadcast(SI, (byte) (sc >>> 8 * m0)).blend((byte) (sc >>> 8 * m1), UPPER)));

                q = l1.and((short) 15).or(hb.lanewise(LSHL, 2).and((short) 0x30)).sub((short) 32);
                p = (IntVector) q.mul(ShortVector.fromArray(S, a, o + 32 + j)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc = acc.add(p.mul(IntVector.broadcast(SI, (byte) (sc >>> 8 * (m0 + 2))).blend((byte) (sc >>> 8 * (m1 + 2)), UPPER)));

                q = l0.lanewise(ASHR, 4).and((short) 15).or(hb.and((short) 0x30)).sub((short) 32);
                p = (IntVector) q.mul(ShortVector.fromArray(S, a, o + 64 + j)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc = acc.add(p.mul(IntVector.broadcast(SI, (byte) (sc >>> 8 * (m0 + 4))).blend((byte) (sc >>> 8 * (m1 + 4)), UPPER)));

                q = l1.lanewise(ASHR, 4).and((short) 15).or(hb.lanewise(ASHR, 2).and((short) 0x30)).sub((short) 32);
                p = (IntVector) q.mul(ShortVector.fromArray(S, a, o + 96 + j)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc = acc.add(p.mul(IntVector.broadcast(SI, (byte) (sc >>> 8 * (m0 + 6))).blend((byte) (sc >>> 8 * (m1 + 6)), UPPER)));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD); // exact: int addition in any order
    }

    // ---------------------------------------------------------------- Q4_K

    static float q4k(MemorySegment data, long base, int cols, Q8KActivations a, int t, boolean vector) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256), bsOff = t * (cols / 32);
        int[] bsums = a.bsums();
        float s = 0f;
        for (int b = 0; b < blocks; b++) {
            long bo = base + 144L * b;
            long s8 = data.get(U64, bo + 4);
            int s4 = data.get(U32, bo + 12);
            long scales = StoredMatrix.k4Scales(s8, s4), mins = StoredMatrix.k4Mins(s8, s4);
            int isum = vector && VECTOR ? q4Block(data, bo, scales, a.q(), ao + 256 * b) : q4BlockScalar(data, bo, scales, a.q(), ao + 256 * b);
            int imin = 0, g = bsOff + 8 * b;
            for (int j = 0; j < 8; j++) imin += (int) (mins >>> 8 * j & 0xFF) * bsums[g + j];
            float yd = a.d()[dOff + b];
            float d = Float.float16ToFloat(data.get(U16, bo)) * yd, dmin = Float.float16ToFloat(data.get(U16, bo + 2)) * yd;
            s += d * isum;
            s -= dmin * imin;
        }
        return s;
    }

    /** The reference: sum_j scale_j * sum q * a over one Q4_K super-block (its 8 scales the bytes of scales). */
    static int q4BlockScalar(MemorySegment data, long bo, long scales, short[] a, int ao) {
        int isum = 0;
        for (int c = 0; c < 4; c++) {
            int sc1 = (int) (scales >>> 16 * c & 0xFF), sc2 = (int) (scales >>> 16 * c + 8 & 0xFF);
            long q = bo + 16 + 32L * c;
            int o = ao + 64 * c, i1 = 0, i2 = 0;
            for (int l = 0; l < 32; l++) {
                int v = data.get(ValueLayout.JAVA_BYTE, q + l) & 0xFF;
                i1 += (v & 0xF) * a[o + l];
                i2 += (v >>> 4) * a[o + 32 + l];
            }
            isum += sc1 * i1 + sc2 * i2;
        }
        return isum;
    }

    /** q4BlockScalar in vectors (as q6Block: written out, adjacent products added into int lanes). */
    private static int q4Block(MemorySegment data, long bo, long scales, short[] a, int ao) {
        IntVector acc = IntVector.zero(SI);
        for (int c = 0; c < 4; c++) {
            int sc1 = (int) (scales >>> 16 * c & 0xFF), sc2 = (int) (scales >>> 16 * c + 8 & 0xFF);
            long q = bo + 16 + 32L * c;
            int o = ao + 64 * c;
            for (int l = 0; l < 32; l += L) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(SB, data, q + l, LE).convertShape(B2S, S, 0);
                IntVector p = (IntVector) v.and((short) 15).mul(ShortVector.fromArray(S, a, o + l)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc = acc.add(p.mul(IntVector.broadcast(SI, sc1)));
                p = (IntVector) v.lanewise(ASHR, 4).and((short) 15).mul(ShortVector.fromArray(S, a, o + 32 + l)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc = acc.add(p.mul(IntVector.broadcast(SI, sc2)));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
