package dev.trit.engine;

import dev.trit.formats.Tq1Codec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * BitLinear products over TQ1_0 blocks read in place ({@link TernaryMatrix#tq1InPlace}), with the int8
 * activations of {@link QuantizedActivations}: the exact integer sum of trit * x per row and token, then
 * {@code sum * scale / xs} as the packed kernels, so the results are bit-identical to those of the same
 * trits packed.
 *
 * <p>TQ1_0 (ggml): blocks of 256 weights in 54 bytes, qs[48] with five codes per byte, qh[4] with four,
 * fp16 d. Code k (= trit + 1) of byte q is {@code ((q * 3^k) mod 256) * 3 >> 8}. Weight 32k + m is code k
 * of qs[m] (m < 32), weight 160 + 16k + m code k of qs[32 + m], weight 240 + 4k + j code k of qh[j].
 *
 * <p>Decode (few tokens): 32 bytes widened to 32 short lanes give five vectors of codes (multiply, mask,
 * multiply by 3, shift), multiplied by the activations and summed in short lanes (exact for runs of
 * {@link #RUN} blocks); the other 16 bytes and qh's 4 in three more 32-lane steps ({@link #dot16}).
 *
 * <p>Prefill: lookup tables across tokens, as the packed prefill kernel, but one table per byte of a
 * block: the signed sums of its five (qh: four) columns' activations for every byte value 0..255, so a
 * weight row costs one table load and one add per byte (five weights), the byte itself the index.
 */
final class Tq1Kernels {
    private Tq1Kernels() {
    }

    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /**
     * Zero receivers: no loop-carried sum is the receiver of a vector op (new terms add the sum; a sum that must be
     * a receiver goes through a zero of exact class), so C2 needs no type profile to devirtualize them (see
     * RowLaneDecode's ZS). (The 2B4T TQ1_0 decode that ran boxed, 390 MB per token, was dot16's 256-bit vectors: see there.)
     */
    private static final ShortVector ZS32 = ShortVector.zero(S32), ZS = ShortVector.zero(S);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** The vector decode needs 512-bit short vectors; elsewhere rows are decoded in scalar code. */
    static final boolean WIDE = ShortVector.SPECIES_PREFERRED.length() >= 32;
    /** Blocks per short-lane run: a lane gets at most 5 products of at most 2 * 128 per block, 25 * 1280 < 2^15. */
    private static final int RUN = 20;
    /** V5[q] / V4[q]: sum of code k * 3^k over a qs byte's five codes / a qh byte's four (the index into a table built by digits). */
    private static final short[] V5 = new short[256], V4 = new short[256];

    static {
        for (int q = 0; q < 256; q++) {
            int v5 = 0, v4 = 0;
            for (int k = 0, p = 1; k < 5; k++, p *= 3) v5 += Tq1Codec.code(q, k) * p;
            for (int k = 0, p = 1; k < 4; k++, p *= 3) v4 += Tq1Codec.code(q, k) * p;
            V5[q] = (short) v5;
            V4[q] = (short) v4;
        }
    }

    /** y[t * rows + r] = sum_c trit(r, c) * x[t][c] * scale / xs[t] for few tokens; rows split over the pool. */
    static void decode(Parallel parallel, int grain, TernaryMatrix w, QuantizedActivations x, float[] y) {
        int rows = w.rows(), cols = w.cols(), tokens = x.tokens();
        short[] q = x.q();
        float[] xs = x.scale();
        int[] sumX = new int[tokens];
        VectorKernels.tokenSums(q, tokens, cols, sumX);
        parallel.forPieces(rows, grain, (from, to) -> decodeRows(w, from, to, q, tokens, sumX, xs, y));
    }

    private static void decodeRows(TernaryMatrix w, int from, int to, short[] q, int tokens, int[] sumX, float[] xs, float[] y) {
        int rows = w.rows(), cols = w.cols(), blocks = cols / TernaryMatrix.TQ1_BLOCK;
        MemorySegment data = w.tq1Data();
        float scale = w.scale();
        for (int r = from; r < to; r++) {
            long base = w.tq1RowOffset(r);
            for (int t = 0; t < tokens; t++) {
                int acc = WIDE ? codeDot(data, base, blocks, q, t * cols) : codeDotScalar(data, base, blocks, q, t * cols);
                y[t * rows + r] = (acc - sumX[t]) * scale / xs[t];
            }
        }
    }

    /**
     * Exact sum of code * x over one row of TQ1_0 blocks at base, x from q[xo..]: the qs[0..32) lanes, the
     * qs[32..48) lanes and qh in separate methods (one method for all exceeded C2's node budget, and the
     * vector helpers it could no longer inline then allocated every vector: 10x slower).
     */
    static int codeDot(MemorySegment data, long base, int blocks, short[] q, int xo) {
        int acc = 0;
        for (int b0 = 0; b0 < blocks; b0 += RUN) {
            int b1 = Math.min(blocks, b0 + RUN);
            acc += dot32(data, base, b0, b1, q, xo) + dot16(data, base, b0, b1, q, xo);
        }
        return acc;
    }

    /** Blocks [b0, b1): codes of qs[0..32) (weights 32k + m) times x, in 32 short lanes. */
    private static int dot32(MemorySegment data, long base, int b0, int b1, short[] q, int xo) {
        ShortVector s = ShortVector.zero(S32);
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) b * TernaryMatrix.TQ1_BYTES;
            int o = xo + b * TernaryMatrix.TQ1_BLOCK;
            ShortVector v = ((ShortVector) ByteVector.fromMemorySegment(B32, data, bo, LE).convertShape(VectorOperators.B2S, S32, 0)).and((short) 0xFF);
            s = v.mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o)).add(s);
            s = v.mul((short) 3).and((short) 0xFF).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o + 32)).add(s);
            s = v.mul((short) 9).and((short) 0xFF).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o + 64)).add(s);
            s = v.mul((short) 27).and((short) 0xFF).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o + 96)).add(s);
            s = v.mul((short) 81).and((short) 0xFF).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o + 128)).add(s);
        }
        // summed here, not by a shared helper: a vector passed to a call C2 does not inline is allocated
        s = ZS32.add(s); // an exact receiver whatever the JIT's profile (RowLaneDecode's ZS says why)
        return ((IntVector) s.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).reduceLanes(VectorOperators.ADD)
                + ((IntVector) s.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 1)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The byte of block offset 22 + lane that each lane of dot16's three steps reads: QS_PAIRS, qs[32 + m] in
     * lanes m and 16 + m (codes k and k + 1 side by side); QS_QH, qs[32 + m] in lanes m and qh[j] in lanes
     * 16 + 4k + j (code 4 of qs beside the qh codes).
     */
    private static final ShortVector QS_PAIRS = lanes(i -> 10 + i % 16), QS_QH = lanes(i -> i < 16 ? 10 + i : 26 + (i - 16) % 4);
    /** The powers of 3 of the three steps: codes 0 and 1, codes 2 and 3, code 4 and qh's codes 0..3. */
    private static final ShortVector POW01 = lanes(i -> i < 16 ? 1 : 3), POW23 = lanes(i -> i < 16 ? 9 : 27),
            POW4H = lanes(i -> i < 16 ? 81 : new int[] {1, 3, 9, 27}[(i - 16) / 4]);
    private static final ShortVector BYTE = ShortVector.broadcast(S32, (short) 0xFF);

    private static ShortVector lanes(java.util.function.IntUnaryOperator f) {
        short[] a = new short[32];
        for (int i = 0; i < 32; i++) a[i] = (short) f.applyAsInt(i);
        return ShortVector.fromArray(S32, a, 0);
    }

    /**
     * Blocks [b0, b1): qs[32..48)'s codes (weights 160 + 16k + m) and qh's (240 + 4k + j) times x, in three
     * 32-lane steps over the block's last 32 bytes (offset 22): codes 0 and 1 (x at 160..192), 2 and 3
     * (192..224), 4 and qh's (224..256), each lane's byte put in place by a permute. All in 512-bit vectors as
     * the rest of the kernels: a 256-bit vector here was the one minority class at the Vector API's shared
     * call sites, whose type profiles then sent C2's speculation to the wrong class; after the traps it left
     * the vectors boxed (a 2B4T TQ1_0 decode allocating 48 bytes, one short[16], per block: 390.8 MB per
     * token, 0.56x the speed, in about one JVM in twenty; JFR and -XX:+LogCompilation, 2026-12-05).
     */
    private static int dot16(MemorySegment data, long base, int b0, int b1, short[] q, int xo) {
        ShortVector s = ShortVector.zero(S32);
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) b * TernaryMatrix.TQ1_BYTES + (TernaryMatrix.TQ1_BYTES - 32);
            int o = xo + b * TernaryMatrix.TQ1_BLOCK + 160;
            ShortVector v = BYTE.and((ShortVector) ByteVector.fromMemorySegment(B32, data, bo, LE).convertShape(VectorOperators.B2S, S32, 0));
            ShortVector w = QS_PAIRS.selectFrom(v);
            s = BYTE.and(POW01.mul(w)).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o)).add(s);
            s = BYTE.and(POW23.mul(w)).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o + 32)).add(s);
            s = BYTE.and(POW4H.mul(QS_QH.selectFrom(v))).mul((short) 3).lanewise(VectorOperators.LSHR, 8).mul(ShortVector.fromArray(S32, q, o + 64)).add(s);
        }
        s = ZS32.add(s);
        return ((IntVector) s.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).reduceLanes(VectorOperators.ADD)
                + ((IntVector) s.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 1)).reduceLanes(VectorOperators.ADD);
    }

    /** As {@link #codeDot}, one weight at a time (hardware without 512-bit vectors). */
    static int codeDotScalar(MemorySegment data, long base, int blocks, short[] q, int xo) {
        int acc = 0;
        for (int b = 0; b < blocks; b++) {
            long bo = base + (long) b * TernaryMatrix.TQ1_BYTES;
            int o = xo + b * TernaryMatrix.TQ1_BLOCK;
            for (int m = 0; m < 52; m++) { // qs[48] with five codes, qh[4] with four
                int v = data.get(ValueLayout.JAVA_BYTE, bo + m) & 0xFF;
                for (int k = 0; k < (m < 48 ? 5 : 4); k++) acc += Tq1Codec.code(v, k) * q[column(o, m, k)];
            }
        }
        return acc;
    }

    /** Bytes of a block per table chunk: half a block, so a short lane (26 sums of at most 5 * 128 each) stays exact. */
    private static final int CHUNK = 26;

    /** Per-thread tables, digit tables and accumulators, grown on demand and kept. */
    private static final class Scratch {
        /** Off the heap and cache-line aligned, as VectorKernels' 2-bit tables (one line per entry). */
        MemorySegment table = MemorySegment.NULL;
        /** Aligned as the table, and so the digits and accumulators (see VectorKernels' transposed). */
        MemorySegment digits = MemorySegment.NULL, acc = MemorySegment.NULL;
        float[] out = new float[0];
        long[] rowBase = new long[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Prefill: xt holds the activations transposed ([cols][tPad], padding tokens 0), xsPad their scales
     * (padding 1). Threads split the token vectors (each builds its own tables), or the rows when there are
     * fewer vectors than threads.
     */
    static void lut(Parallel parallel, TernaryMatrix w, MemorySegment xt, int tPad, float[] xsPad, int tokens, float[] y) {
        int rows = w.rows(), lanes = S.length(), vectors = tPad / lanes;
        if (vectors >= parallel.threads()) {
            parallel.forRange(vectors, 1, (from, to) -> {
                for (int v = from; v < to; v++) lutVector(w, xt, tPad, v, 0, rows, xsPad, tokens, y);
            });
        } else {
            parallel.forRange(rows, 16, (from, to) -> {
                for (int v = 0; v < vectors; v++) lutVector(w, xt, tPad, v, from, to, xsPad, tokens, y);
            });
        }
    }

    /** Rows [r0, r1) of token vector v: for every half block, its 26 tables, then each row's lookups. */
    private static void lutVector(TernaryMatrix w, MemorySegment xt, int tPad, int v, int r0, int r1, float[] xsPad, int tokens, float[] y) {
        int lanes = S.length(), t0 = v * lanes, rows = w.rows(), blocks = w.cols() / TernaryMatrix.TQ1_BLOCK;
        Scratch sc = SCRATCH.get();
        if (sc.table.byteSize() < 2L * CHUNK * 256 * lanes) sc.table = VectorKernels.alignedScratch(2L * CHUNK * 256 * lanes);
        if (sc.digits.byteSize() < 2L * 243 * lanes) sc.digits = VectorKernels.alignedScratch(2L * 243 * lanes);
        if (sc.acc.byteSize() < 4L * rows * lanes) sc.acc = VectorKernels.alignedScratch(4L * rows * lanes);
        if (sc.out.length < lanes) sc.out = new float[lanes];
        MemorySegment table = sc.table;
        MemorySegment digits = sc.digits, acc = sc.acc;
        acc.asSlice(4L * r0 * lanes, 4L * (r1 - r0) * lanes).fill((byte) 0);
        MemorySegment data = w.tq1Data();
        if (sc.rowBase.length < r1 - r0) sc.rowBase = new long[r1 - r0];
        long[] rowBase = sc.rowBase;
        for (int r = r0; r < r1; r++) rowBase[r - r0] = w.tq1RowOffset(r);
        for (int b = 0; b < blocks; b++) {
            for (int h = 0; h < 2; h++) {
                int k0 = h * CHUNK;
                for (int g = 0; g < CHUNK; g++) buildTable(xt, tPad, t0, b * TernaryMatrix.TQ1_BLOCK, k0 + g, digits, table, g * 256 * lanes);
                lookups(data, rowBase, r0, r1, b * (long) TernaryMatrix.TQ1_BYTES + k0, table, acc);
            }
        }
        VectorKernels.lutOutputs(acc, r0, r1, rows, w.scale(), xsPad, t0, tokens, sc.out, y);
    }

    /** Each row's CHUNK lookups (bytes at its base + at), summed in short lanes and added into acc. */
    private static void lookups(MemorySegment data, long[] rowBase, int r0, int r1, long at, MemorySegment table, MemorySegment acc) {
        int lanes = S.length();
        for (int r = r0; r < r1; r++) {
            long o = rowBase[r - r0] + at;
            ShortVector sum = ShortVector.zero(S);
            for (int g = 0; g < CHUNK; g++) {
                int qb = data.get(ValueLayout.JAVA_BYTE, o + g) & 0xFF;
                sum = ShortVector.fromMemorySegment(S, table, 2L * (g * 256 + qb) * lanes, LE).add(sum);
            }
            sum = ZS.add(sum);
            // widened into acc here, as VectorKernels.lutBlock (a vector passed to a call C2 does not inline is allocated)
            for (int p = 0; p < lanes / I.length(); p++) {
                long ao = 4L * (r * lanes + p * I.length());
                ((IntVector) sum.convertShape(VectorOperators.S2I, I, p)).add(IntVector.fromMemorySegment(I, acc, ao, LE)).intoMemorySegment(acc, ao, LE);
            }
        }
    }

    /**
     * The table of byte k of a block starting at column c0: entry q (256 of them) = sum over the byte's
     * codes of (code - 1) * x(column), for the lanes of tokens t0..; built by digits (243 or 81 entries, one
     * add each), then placed by byte value.
     */
    private static void buildTable(MemorySegment xt, int tPad, int t0, int c0, int k, MemorySegment digits, MemorySegment table, int at) {
        int lanes = S.length(), n = k < 48 ? 5 : 4;
        // no arrays of vectors here: C2 keeps those on the heap (a boxed vector per element)
        ShortVector base = ShortVector.zero(S);
        for (int d = 0; d < n; d++) base = base.sub(ShortVector.fromMemorySegment(S, xt, 2L * (column(c0, k, d) * tPad + t0), LE));
        base.intoMemorySegment(digits, 0, LE);
        for (int d = 0, p = 1; d < n; d++, p *= 3) {
            ShortVector x = ShortVector.fromMemorySegment(S, xt, 2L * (column(c0, k, d) * tPad + t0), LE);
            for (int i = 0; i < p; i++) {
                ShortVector e = ShortVector.fromMemorySegment(S, digits, 2L * i * lanes, LE).add(x);
                e.intoMemorySegment(digits, 2L * (i + p) * lanes, LE);
                e.add(x).intoMemorySegment(digits, 2L * (i + 2 * p) * lanes, LE);
            }
        }
        short[] index = n == 5 ? V5 : V4;
        for (int q = 0; q < 256; q++) {
            ShortVector.fromMemorySegment(S, digits, 2L * index[q] * lanes, LE).intoMemorySegment(table, 2L * (at + q * lanes), LE);
        }
    }

    /** The column of code d of byte k of the block starting at column c0. */
    private static int column(int c0, int k, int d) {
        return c0 + (k < 32 ? 32 * d + k : k < 48 ? 160 + 16 * d + k - 32 : 240 + 4 * d + k - 48);
    }
}
