package dev.trit.engine;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Row products of K-quant weights with {@link Q8KActivations}, as ggml-cpu's {@code ggml_vec_dot_q6_K_q8_K}
 * and {@code ggml_vec_dot_q4_K_q8_K} compute them: per super-block of 256 the sums of scale * quant *
 * activation exact in integers, then float steps,
 * <pre>
 *   Q6_K: f = fma(isum, fp16(d) * y.d, f)                       isum = sum_j sc_j * sum (q - 32) * a
 *   Q4_K: f = fma(isum, fp16(d) * y.d, f),  g = fma(sum_j m_j * bsum32_j, fp16(dmin) * y.d, g)
 *         isum = sum_j sc_j * sum q * a;  result: f - g
 * </pre>
 * one float sum (two for Q4_K), one fma per super-block of its whole integer sum: the order the row-lane
 * kernels ({@link Q6KRowLanes}, {@link Q4KRowLanes}) can keep with rows in the lanes; integer sums are exact
 * in any order, so every kernel gives the same bits. The vector kernels keep the integer sums in the int
 * lanes their pairs of short lanes fall into when they read 64 weight bytes as 32 shorts (see
 * {@link Q8KActivations#q4Source}, {@link Q8KActivations#q6Source}; Q6_K's lane (p mod 32) / 4 + 8
 * ((p / 32) mod 2) holds weight p; Q4_K's lane l / 4 + 8 (c mod 2) byte l of each of ggml's 32-byte chunks
 * c, both nibbles: weights 64c + l and 64c + 32 + l; its min term has 8 lanes, one per sub-block of 32) and
 * add them at the super-block's end. So the vector kernels (16 int lanes on 512-bit hardware, two vectors of
 * 8 on 256-bit), the row-lane kernels and the scalar references (vector false, or hardware without 16- or
 * 32-lane short vectors) are bit-identical (Q8KDotsTest). The integer part multiplies 6- and 4-bit
 * quants by the int8 activations in short lanes (|q * a| <= 32 * 127), adds adjacent lanes into int lanes
 * (each pair lies in one sub-block), multiplies by the sub-block scales and accumulates.
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
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    /**
     * Bytes of a short vector's size: weight bytes read as short lanes are loaded as bytes and reinterpreted.
     * (ShortVector.fromMemorySegment on the then mapped weights, beside the prefill kernels' ShortVector loads
     * from their native tables, made C2 compile the shared load path for two segment types: 2-bit prefill ran
     * ~25% slower, JFR on lutBlock. The weights are now native views too, StoredMatrix.kernelView; the byte
     * loads stay, measured as fast.)
     */
    private static final VectorSpecies<Byte> SS = VectorSpecies.of(byte.class, S.vectorShape());
    /** The Q4_K mins' 8 lanes (one per sub-block of 32), and the 8 bytes they come from. */
    private static final VectorSpecies<Integer> SI8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Long> SL8 = LongVector.SPECIES_256;
    static final boolean VECTOR = S.length() == 16 || S.length() == 32;
    private static final int L = S.length();
    /** Int lanes from the second half of the short lanes: with 16 short lanes (Q6_K), the next sub-block's. */
    private static final VectorMask<Integer> UPPER = VectorMask.fromLong(SI, ((1L << SI.length()) - 1) & -(1L << SI.length() / 2));
    private static final VectorSpecies<Byte> SB16 = ByteVector.SPECIES_128;
    /**
     * With 32 short lanes, Q6_K's 16 scales sit in int lanes 0-15; half h's low nibbles (entry 2h) take
     * sub-block 8h + m / 4 in int lane m, its high nibbles (2h + 1) 8h + 4 + m / 4. Unused on other hardware.
     */
    private static final VectorShuffle<Integer>[] Q6_SCALES = q6Scales();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Integer>[] q6Scales() {
        VectorShuffle<Integer>[] s = new VectorShuffle[4];
        for (int i = 0; i < 4; i++) {
            int first = 8 * (i / 2) + 4 * (i % 2);
            s[i] = VectorShuffle.fromOp(SI, lane -> SI.length() == 16 ? first + lane / 4 : 0);
        }
        return s;
    }

    /** With 32 short lanes: half h's 16 qh shorts (of the 32 both halves hold) into lanes 0-15 and again 16-31. */
    private static final VectorShuffle<Short>[] QH_HALF = qhHalves();
    /** ... the upper copy shifted right by 2 (its weights' high bits are qh bits 2-3, 6-7, 10-11, 14-15). */
    private static final ShortVector QH_SHIFT = ShortVector.fromArray(S, shifts(), 0);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Short>[] qhHalves() {
        VectorShuffle<Short>[] s = new VectorShuffle[2];
        for (int h = 0; h < 2; h++) {
            int first = 16 * h;
            s[h] = VectorShuffle.fromOp(S, lane -> S.length() == 32 ? first + lane % 16 : lane);
        }
        return s;
    }

    private static short[] shifts() {
        short[] s = new short[S.length()];
        for (int i = 0; i < s.length; i++) s[i] = (short) (i >= 16 ? 2 : 0);
        return s;
    }

    /**
     * With 32 short lanes, the Q4_K scales (int lanes 0-7 of a vector holding them) for the int lanes of pair
     * k's low (entry 2k) and high (2k + 1) nibbles: lanes 0-7 chunk 2k's sub-block, 8-15 chunk 2k + 1's.
     */
    private static final VectorShuffle<Integer>[] Q4_SCALES = q4Scales();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Integer>[] q4Scales() {
        VectorShuffle<Integer>[] s = new VectorShuffle[4];
        for (int i = 0; i < 4; i++) {
            int k = i / 2, high = i % 2;
            s[i] = VectorShuffle.fromOp(SI, lane -> SI.length() == 16 ? 4 * k + high + (lane >= 8 ? 2 : 0) : 0);
        }
        return s;
    }

    // ---------------------------------------------------------------- Q6_K

    static float q6k(MemorySegment data, long base, int cols, Q8KActivations a, int t, boolean vector) {
        return vector && VECTOR ? q6kVector(data, base, cols, a, t) : q6kScalar(data, base, cols, a, t);
    }

    /**
     * The reference: per super-block its exact integer sum, then one fma, super-blocks in order (one float per
     * row and super-block is what the row-lane kernel, {@link Q6KRowLanes}, can keep; integer sums are exact in
     * any order, so every Q6_K kernel gives these bits).
     */
    static float q6kScalar(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256);
        short[] aq = a.q();
        float f = 0f;
        for (int b = 0; b < blocks; b++) {
            long bo = base + 210L * b;
            int sum = 0;
            for (int h = 0; h < 2; h++) {
                long ql = bo + 64 * h, qh = bo + 128 + 32 * h, sc = bo + 192 + 8 * h;
                int o = ao + 256 * b + 128 * h;
                for (int l = 0; l < 32; l++) { // weights 128h + l, + 32, + 64, + 96
                    int lo0 = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF, lo1 = data.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xFF;
                    int hb = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                    int is = l / 16;
                    sum += data.get(ValueLayout.JAVA_BYTE, sc + is) * (((lo0 & 0xF) | (hb & 3) << 4) - 32) * aq[o + l]
                            + data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * (((lo0 >> 4) | (hb >> 4 & 3) << 4) - 32) * aq[o + 64 + l]
                            + data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * (((lo1 & 0xF) | (hb >> 2 & 3) << 4) - 32) * aq[o + 32 + l]
                            + data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * (((lo1 >> 4) | (hb >> 6 & 3) << 4) - 32) * aq[o + 96 + l];
                }
            }
            float d = Float.float16ToFloat(data.get(U16, bo + 208)) * a.d()[dOff + b];
            f = Math.fma((float) sum, d, f);
        }
        return f;
    }

    /** {@link #q6kArray} over a segment: the row copied into a per-thread array first (see there). */
    private static float q6kVector(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        return q6kArray(rowCopy(data, base, cols / 256 * 210), 0, cols, a, t);
    }

    /** Per short lane: the low nibble (N4), bits 4-5 (H2), as int masks over two shorts. */
    private static final int N4 = 0x000F000F, H2 = 0x00300030;

    // ---------------------------------------------------------------- Q4_K

    static float q4k(MemorySegment data, long base, int cols, Q8KActivations a, int t, boolean vector) {
        return vector && VECTOR ? q4kVector(data, base, cols, a, t) : q4kScalar(data, base, cols, a, t);
    }

    /**
     * The reference: per super-block its exact integer sum and its min term's (the 8 sub-blocks'), then one fma
     * each, super-blocks in order (as {@link #q6kScalar}: the order {@link Q4KRowLanes} keeps).
     */
    static float q4kScalar(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256), bsOff = t * (cols / 32);
        short[] aq = a.q();
        int[] bsums = a.bsums();
        float f = 0f, g = 0f;
        for (int b = 0; b < blocks; b++) {
            long bo = base + 144L * b;
            long s8 = data.get(U64, bo + 4);
            int s4 = data.get(U32, bo + 12);
            long scales = StoredMatrix.k4Scales(s8, s4), mins = StoredMatrix.k4Mins(s8, s4);
            int isum = 0, msum = 0;
            for (int c = 0; c < 4; c++) {
                int sc1 = (int) (scales >>> 16 * c & 0xFF), sc2 = (int) (scales >>> 16 * c + 8 & 0xFF);
                long q = bo + 16 + 32L * c;
                int o = ao + 256 * b + 64 * c;
                for (int l = 0; l < 32; l++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, q + l) & 0xFF;
                    isum += sc1 * (v & 0xF) * aq[o + l] + sc2 * (v >>> 4) * aq[o + 32 + l];
                }
            }
            float yd = a.d()[dOff + b];
            float d = Float.float16ToFloat(data.get(U16, bo)) * yd, dmin = Float.float16ToFloat(data.get(U16, bo + 2)) * yd;
            for (int j = 0; j < 8; j++) msum += (int) (mins >>> 8 * j & 0xFF) * bsums[bsOff + 8 * b + j];
            f = Math.fma((float) isum, d, f);
            g = Math.fma((float) msum, dmin, g);
        }
        return f - g;
    }

    /** {@link #q4kArray} over a segment: the row copied into a per-thread array first (see there). */
    private static float q4kVector(MemorySegment data, long base, int cols, Q8KActivations a, int t) {
        return q4kArray(rowCopy(data, base, cols / 256 * 144), 0, cols, a, t);
    }

    // ---------------------------------------------------------------- the vector kernels, over arrays

    /*
     * The weights as a heap array ({@link StoredMatrix#heapBytes}): loads from an array carry one compare
     * for their bounds, loads from a memory segment ~20 instructions each (C2 recomputes the long range checks
     * per super-block: five segment accesses per Q6_K block were ~110 scalar instructions beside ~100 vector
     * ones). A standalone probe, Q6_K 32000 x 2560, one thread: 5.4-6.1 ms over a native segment, 2.9-3.1 ms
     * over a byte[] (identical results). So the kernels read arrays only: a matrix without a heap copy has its
     * row copied into a per-thread array first (the copy costs less than the segment accesses it saves).
     */
    /** Per thread: a row's bytes, for the kernels over a segment. */
    private static final ThreadLocal<byte[]> ROW = ThreadLocal.withInitial(() -> new byte[0]);

    /** n bytes of data from base in this thread's row array (valid until its next call). */
    static byte[] rowCopy(MemorySegment data, long base, int n) {
        byte[] row = rowBuffer(n);
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, base, row, 0, n);
        return row;
    }

    /** This thread's row array, at least n bytes. */
    static byte[] rowBuffer(int n) {
        byte[] row = ROW.get();
        if (row.length < n) ROW.set(row = new byte[n]);
        return row;
    }

    /** A Q6_K or Q4_K row at base of data (the file's bytes, in an array) . token t of a: q6kArray or q4kArray. */
    static float arrayDot(StoredMatrix.Encoding e, byte[] data, int base, int cols, Q8KActivations a, int t) {
        return e == StoredMatrix.Encoding.Q6_K ? q6kArray(data, base, cols, a, t) : q4kArray(data, base, cols, a, t);
    }

    /** Little-endian reads from the weight arrays (here and in StoredMatrix's widening). */
    static final java.lang.invoke.VarHandle LE64 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, LE);
    static final java.lang.invoke.VarHandle LE32 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, LE);
    static final java.lang.invoke.VarHandle LE16 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, LE);

    /**
     * q6kScalar in vectors, without widening bytes to shorts (as q4kArray): half h's 64 ql bytes read as 32
     * short lanes, four weight vectors taken out by shifts and masks (low nibbles of the even and odd bytes,
     * high nibbles of both), each with its 2 high bits from qh read as shorts too: with 32 lanes, lanes 0-15
     * take half h's 16 qh shorts as they are and lanes 16-31 the same shifted right by 2 (one rearrange, one
     * variable shift); with 16 lanes, one vector per 16 lanes (j = 0, 16), shift 0 or 2. Products with
     * {@link Q8KActivations#q6}'s matching order; even and odd bytes' products share sub-blocks lane by lane
     * and add in shorts (|sum| <= 2 * 32 * 127), then pairs of lanes into int lanes (|sum| < 2^15: ((v << 16)
     * + v) >> 16 is exact): int lane m of half h's low nibbles is sub-block 8h + m / 4, of its high nibbles
     * 8h + 4 + m / 4, times its scale (a rearrange of the 16 scales; with 16 lanes two broadcasts blended).
     */
    static float q6kArray(byte[] data, int base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256);
        short[] aq = a.q6();
        float f = 0f;
        for (int b = 0; b < blocks; b++) {
            int bo = base + 210 * b;
            IntVector acc0 = IntVector.zero(SI), acc1 = IntVector.zero(SI);
            IntVector scv = L == 32 ? (IntVector) ByteVector.fromArray(SB16, data, bo + 192).convertShape(B2I, SI, 0) : null;
            ShortVector qh2 = L == 32 ? ByteVector.fromArray(SS, data, bo + 128).reinterpretAsShorts() : null; // both halves' qh
            for (int h = 0; h < 2; h++) {
                long sc = L == 32 ? 0 : (long) LE64.get(data, bo + 192 + 8 * h); // half h's 8 scales, for the 16-lane blends only
                for (int j = 0; j < 32; j += L) {
                    ShortVector v = ByteVector.fromArray(SS, data, bo + 64 * h + 2 * j).reinterpretAsShorts();
                    ShortVector u = L == 32 ? qh2.rearrange(QH_HALF[h]).lanewise(LSHR, QH_SHIFT)
                            : ByteVector.fromArray(SS, data, bo + 128 + 32 * h).reinterpretAsShorts().lanewise(LSHR, j / 8);
                    int o = ao + 256 * b + 128 * h + j;
                    // the shifts and masks on int lanes: the same bits per short (the masks drop what crosses
                    // from the neighbouring short), and C2 emits int shifts by a constant as one instruction
                    // (short shifts by a constant took a count register each time, two more instructions)
                    IntVector vi = (IntVector) v.reinterpretAsInts(), ui = (IntVector) u.reinterpretAsInts();
                    ShortVector lo = ((ShortVector) vi.and(N4).or(ui.lanewise(LSHL, 4).and(H2)).reinterpretAsShorts()).sub((short) 32).mul(ShortVector.fromArray(S, aq, o))
                            .add(((ShortVector) vi.lanewise(LSHR, 8).and(N4).or(ui.lanewise(LSHR, 4).and(H2)).reinterpretAsShorts()).sub((short) 32).mul(ShortVector.fromArray(S, aq, o + 32)));
                    ShortVector hi = ((ShortVector) vi.lanewise(LSHR, 4).and(N4).or(ui.and(H2)).reinterpretAsShorts()).sub((short) 32).mul(ShortVector.fromArray(S, aq, o + 64))
                            .add(((ShortVector) vi.lanewise(LSHR, 12).and(N4).or(ui.lanewise(LSHR, 8).and(H2)).reinterpretAsShorts()).sub((short) 32).mul(ShortVector.fromArray(S, aq, o + 96)));
                    IntVector p = (IntVector) lo.reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    int s0 = j / 8; // with 16 lanes: this vector's first sub-block of 4 within the half's low nibbles
                    IntVector sum = p.mul(L == 32 ? scv.rearrange(Q6_SCALES[2 * h])
                            : IntVector.broadcast(SI, (byte) (sc >>> 8 * s0)).blend((byte) (sc >>> 8 * (s0 + 1)), UPPER));
                    p = (IntVector) hi.reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p.mul(L == 32 ? scv.rearrange(Q6_SCALES[2 * h + 1])
                            : IntVector.broadcast(SI, (byte) (sc >>> 8 * (s0 + 4))).blend((byte) (sc >>> 8 * (s0 + 5)), UPPER)));
                    if (j == 0) acc0 = acc0.add(sum);
                    else acc1 = acc1.add(sum);
                }
            }
            float d = Float.float16ToFloat((short) LE16.get(data, bo + 208)) * a.d()[dOff + b];
            f = Math.fma((float) (L == 16 ? acc0.add(acc1) : acc0).reduceLanes(ADD), d, f);
        }
        return f;
    }

    /**
     * q4kScalar in vectors, without widening bytes to shorts: 64 weight bytes (chunks 2k, 2k + 1; 32 with
     * 16 short lanes: chunk c) read as short lanes, each lane's four nibbles taken out by shifts and masks and
     * multiplied by the activations in {@link Q8KActivations#q4}'s matching order. The even and odd bytes' low
     * nibbles lie in the same sub-block lane by lane, so their products add in shorts (|sum| <= 2 * 15 * 127),
     * as do the high nibbles'; a pair of short lanes then adds into one int lane (|sum| < 2^15, so
     * ((v << 16) + v) >> 16 is exact), which lies in one sub-block: int lanes 0-7 chunk 2k, 8-15 chunk 2k + 1,
     * times their scales (one rearrange of the 8 scales each with 32 short lanes, a broadcast with 16).
     */
    static float q4kArray(byte[] data, int base, int cols, Q8KActivations a, int t) {
        int blocks = cols / 256, ao = t * cols, dOff = t * (cols / 256), bsOff = t * (cols / 32);
        short[] aq = a.q4();
        int[] bsums = a.bsums();
        float f = 0f, g = 0f;
        for (int b = 0; b < blocks; b++) {
            int bo = base + 144 * b;
            long s8 = (long) LE64.get(data, bo + 4);
            int s4 = (int) LE32.get(data, bo + 12);
            long scales = StoredMatrix.k4Scales(s8, s4), mins = StoredMatrix.k4Mins(s8, s4);
            IntVector scv = L == 32 ? (IntVector) LongVector.broadcast(LongVector.SPECIES_128, scales).reinterpretAsBytes().convertShape(B2I, SI, 0) : null;
            IntVector acc0 = IntVector.zero(SI), acc1 = IntVector.zero(SI);
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < 32; j += L) { // 16 short lanes: chunk 2k (j = 0), then 2k + 1
                    ShortVector v = ByteVector.fromArray(SS, data, bo + 16 + 64 * k + 2 * j).reinterpretAsShorts();
                    int o = ao + 256 * b + 128 * k + j, c = 2 * k + j / 16;
                    IntVector vi = (IntVector) v.reinterpretAsInts(); // int shifts by a constant: see q6kArray
                    ShortVector lo = ((ShortVector) vi.and(N4).reinterpretAsShorts()).mul(ShortVector.fromArray(S, aq, o))
                            .add(((ShortVector) vi.lanewise(LSHR, 8).and(N4).reinterpretAsShorts()).mul(ShortVector.fromArray(S, aq, o + 32)));
                    ShortVector hi = ((ShortVector) vi.lanewise(LSHR, 4).and(N4).reinterpretAsShorts()).mul(ShortVector.fromArray(S, aq, o + 64))
                            .add(((ShortVector) vi.lanewise(LSHR, 12).and(N4).reinterpretAsShorts()).mul(ShortVector.fromArray(S, aq, o + 96)));
                    IntVector p = (IntVector) lo.reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    IntVector sum = p.mul(L == 32 ? scv.rearrange(Q4_SCALES[2 * k]) : IntVector.broadcast(SI, (int) (scales >>> 16 * c & 0xFF)));
                    p = (IntVector) hi.reinterpretAsInts();
                    p = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p.mul(L == 32 ? scv.rearrange(Q4_SCALES[2 * k + 1]) : IntVector.broadcast(SI, (int) (scales >>> 16 * c + 8 & 0xFF))));
                    if (j == 0) acc0 = acc0.add(sum);
                    else acc1 = acc1.add(sum);
                }
            }
            float yd = a.d()[dOff + b];
            float d = Float.float16ToFloat((short) LE16.get(data, bo)) * yd;
            f = Math.fma((float) (L == 16 ? acc0.add(acc1) : acc0).reduceLanes(ADD), d, f);
            IntVector m = (IntVector) LongVector.broadcast(SL8, mins).reinterpretAsBytes().convertShape(B2I, SI8, 0); // 6-bit: no sign
            float dmin = Float.float16ToFloat((short) LE16.get(data, bo + 2)) * yd;
            g = Math.fma((float) m.mul(IntVector.fromArray(SI8, bsums, bsOff + 8 * b)).reduceLanes(ADD), dmin, g);
        }
        return f - g;
    }
}
