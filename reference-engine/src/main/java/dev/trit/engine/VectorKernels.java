package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Vector API kernels, multi-threaded over output rows. */
public final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Ints with as many lanes as F, for int-to-float conversion lane for lane. */
    private static final VectorSpecies<Integer> IF = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static {
        // A heap segment made before any kernel is compiled. While the JVM has loaded native (and mapped)
        // segments only, C2 compiles every segment access on the assumption that no other kind exists (class
        // hierarchy analysis); the first heap segment (MemorySegment.ofArray: the embedding's row lookup once
        // the warm-up is over) then deoptimized every compiled kernel at once (17 on a 2B4T TQ1_0 run), and in
        // some JVMs the recompiled prefill kernel was left in C1 code, boxing 4.4 MB per token (2026-12-05).
        MemorySegment.ofArray(new byte[0]);
    }

    private final Parallel parallel;

    public VectorKernels(Parallel parallel) {
        this.parallel = parallel;
        this.rowLanes = new RowLaneKernels(parallel);
        this.rowLaneDecode = new RowLaneDecode(parallel);
    }

    /**
     * Rows per piece of a row-wise product: about 16 pieces per thread, so that a thread slowed by other
     * work on the machine takes fewer (see {@link Parallel#forPieces}), but at least min rows.
     */
    private int grain(int rows, int min) {
        return Math.max(min, rows / (16 * parallel.threads()));
    }

    @Override
    public void forRange(int n, int minChunk, Parallel.RangeBody body) {
        parallel.forRange(n, minChunk, body);
    }

    /**
     * Decode of Q6_K matrices in integers (llama-cpp activations) reads each block of TOUCH_ROWS rows in first
     * ({@link StoredMatrix#touch}), then computes on it from the cache. A kernel that streams its weights keeps only the cache lines of a few
     * super-blocks in flight (the reorder window fills with its arithmetic), and the hardware prefetcher did
     * not make up for it with Q6_K: JMH, 2 threads, mapped, the LM head's 128256 x 2560 12.9 -> 10.7 ms, eight
     * 6912 x 2560 matrices in turn 685-730 -> 560-580 us per matrix (16, 32 or 64 rows alike); one thread on
     * the LM head ran 2x its in-cache time per weight without it. Not for Q4_K (7.3 -> 9.6 ms: its kernel
     * already kept pace with memory, 14 ms on one thread either way) nor the ternary decode kernel (TQ2_0 decode
     * 24.7 -> 20.5-22.0 tok/s) nor the float Q6_K kernel (compute-bound: 22.9 -> 32.9 ms on the LM head).
     * -Dtrit.noTouch=true turns it off (A/B).
     */
    static final boolean TOUCH = !Boolean.getBoolean("trit.noTouch");
    static final int TOUCH_ROWS = 32;
    /** Written only if the touched words' xor is 42: the loads then have a use, so the JIT keeps them. */
    static volatile long touched;

    private static boolean touches(StoredMatrix w) {
        return TOUCH && w.encoding() == StoredMatrix.Encoding.Q6_K;
    }

    /** From this many tokens on, the kernels vectorize across tokens (prefill) instead of along a row. */
    static final int MIN_BATCH = 8;

    @Override
    public void matmul(FloatMatrix w, float[] x, int tokens, float[] y) {
        floatMatmul(w.rows(), w.cols(), w.data(), null, x, tokens, y);
    }

    @Override
    public void matmul(StoredMatrix w, float[] x, int tokens, float[] y) {
        floatMatmul(w.rows(), w.cols(), null, w, x, tokens, y);
    }

    @Override
    public void matmul(StoredMatrix w, Q8KActivations x, float[] y) {
        int rows = w.rows(), tokens = x.tokens();
        if (tokens == 0) return; // (the several-token paths below would still visit every row)
        if (tokens == 1) {
            KQuantRowLanes lanes = w.rowLanes(parallel); // decode: rows in the lanes, the same bits (KQuantRowLanes)
            if (lanes != null) {
                lanes.product(x, 0, y, 0, parallel);
                return;
            }
        }
        KQuantRowLanes made = w.rowLanesIfMade();
        if (made != null) { // several tokens after a decode: the repack's product per token (the same bits as row-wise)
            for (int t = 0; t < tokens; t++) made.product(x, t, y, t * rows, parallel);
            return;
        }
        w.heapBytes(); // the copy, if made, before the threads read it (see StoredMatrix.heapBytes)
        boolean touch = touches(w);
        parallel.forPieces(rows, grain(rows, 16), (from, to) -> {
            long sink = 0;
            for (int r0 = from; r0 < to; r0 += TOUCH_ROWS) {
                int r1 = Math.min(to, r0 + TOUCH_ROWS);
                if (touch) sink ^= w.touch(r0, r1);
                for (int r = r0; r < r1; r++) {
                    for (int t = 0; t < tokens; t++) y[t * rows + r] = w.dotRowQ8K(r, x, t, true);
                }
            }
            if (sink == 42) touched = sink;
        });
    }

    /** Rows come from heap floats d, or (d null) are widened from the stored matrix into per-thread scratch. */
    private void floatMatmul(int rows, int cols, float[] d, StoredMatrix stored, float[] x, int tokens, float[] y) {
        if (tokens >= MIN_BATCH) {
            batchedMatmul(rows, cols, d, stored, x, tokens, y);
            return;
        }
        if (stored != null && stored.encoding().fused() && StoredMatrix.FUSED) {
            // block types: dequantized in registers, bit-identical to widening the row first
            parallel.forPieces(rows, grain(rows, 16), (from, to) -> {
                for (int r = from; r < to; r++) {
                    for (int t = 0; t < tokens; t++) y[t * rows + r] = stored.dotRow(r, x, t * cols);
                }
            });
            return;
        }
        int chains = stored != null ? stored.encoding().fmaChains() : 1;
        parallel.forPieces(rows, grain(rows, 16), (from, to) -> {
            Scratch sc = SCRATCH.get();
            float[] row = d != null ? d : sc.floats(cols);
            short[] halves = d != null ? null : sc.shorts(cols);
            for (int r = from; r < to; r++) {
                int wo = r * cols;
                if (d == null) {
                    stored.decodeRow(r, row, 0, halves);
                    wo = 0;
                }
                for (int t = 0; t < tokens; t++) y[t * rows + r] = dot(x, t * cols, row, wo, cols, chains);
            }
        });
    }

    /**
     * x[xo..] . w[wo..] over cols: lane-strided fma chains (vector k into chain k mod chains, 1 or 2), the
     * chains added, then the lanes in lane order (not reduceLanes(ADD): its order is unspecified, and the
     * interpreted and compiled forms differ, so logits changed in the last bits from one call to the next).
     * Every kernel sums its lanes this way, written in (a vector passed to a call C2 does not inline is allocated).
     */
    private static float dot(float[] x, int xo, float[] w, int wo, int cols, int chains) {
        int bound = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int c = 0;
        if (chains == 1) {
            for (; c < bound; c += F.length()) acc = FloatVector.fromArray(F, x, xo + c).fma(FloatVector.fromArray(F, w, wo + c), acc);
        } else {
            for (; c < bound; c += F.length()) {
                FloatVector t = FloatVector.fromArray(F, x, xo + c).fma(FloatVector.fromArray(F, w, wo + c), acc1);
                acc1 = acc;
                acc = t;
            }
            acc = acc.add(acc1);
        }
        float s = 0f; // the lanes in order, in this method: a vector passed to a call C2 does not inline is allocated
        for (int i = 0; i < F.length(); i++) s += acc.lane(i);
        for (; c < cols; c++) s += x[xo + c] * w[wo + c];
        return s;
    }

    /**
     * Rows of W and vectors of tokens one step of the prefill float kernel covers: 4 x 4 accumulators where the
     * hardware has 512-bit vectors (32 registers: 16 accumulators, 4 token vectors, a broadcast), else 4 x 3
     * (16 registers). A step costs a load per token vector and a broadcast per row for rows x vectors fmas.
     */
    private static final int ROW_BLOCK = 4, TOKEN_VECTORS = F.length() >= 16 ? 4 : 3;
    /**
     * Quads (of ROW_BLOCK rows) run together in the prefill GEMM (see batchedMatmul): `trit ppl` TQ2_0, 4 windows,
     * alternating 1 and 4: 45.0, 54.8, 56.3 against 55.6, 57.9, 58.4 tok/s (the Q6_K output for the scored positions).
     */
    private static final int QUAD_GROUP = 4;
    /** Tokens per panel of the transposed activations. */
    private static final int PANEL = TOKEN_VECTORS * F.length();

    /** Transposed activations, reused across calls (the kernels run one product at a time). */
    private float[] floatScratch = new float[0];
    private short[] shortScratch = new short[0];

    private float[] floatScratch(int n) {
        if (floatScratch.length < n) floatScratch = new float[n];
        return floatScratch;
    }

    private short[] shortScratch(int n) {
        if (shortScratch.length < n) shortScratch = new short[n];
        return shortScratch;
    }

    /**
     * Prefill form: with x transposed into panels of {@link #PANEL} tokens, [panel][cols][PANEL], each weight is
     * broadcast and multiplied into vectors of consecutive tokens, so no horizontal reductions are needed.
     * Register-blocked: 4 rows x 4 token vectors per step. The panel's column stride is a constant, so the JIT
     * drops the loads' bounds checks (with a stride of the padded token count it checked every load).
     * Every output is still one fma chain over c = 0..cols-1 in order, so the result does not depend on the
     * blocking or the thread split.
     */
    private void batchedMatmul(int rows, int cols, float[] heap, StoredMatrix stored, float[] x, int tokens, float[] y) {
        int panels = (tokens + PANEL - 1) / PANEL;
        float[] xt = floatScratch(panels * cols * PANEL);
        for (int p = 0; p < panels; p++) {
            int t0 = p * PANEL, n = Math.min(PANEL, tokens - t0), po = p * cols * PANEL;
            for (int i = 0; i < n; i++) {
                int xo = (t0 + i) * cols;
                for (int c = 0; c < cols; c++) xt[po + c * PANEL + i] = x[xo + c];
            }
            for (int c = 0; c < cols && n < PANEL; c++) java.util.Arrays.fill(xt, po + c * PANEL + n, po + (c + 1) * PANEL, 0f);
        }
        int quads = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        parallel.forRange(quads, 1, (from, to) -> {
            float[] acc = new float[ROW_BLOCK * PANEL];
            float[] d = heap != null ? heap : SCRATCH.get().floats(QUAD_GROUP * ROW_BLOCK * cols);
            // a group of quads' rows at a time, each panel over the whole group: the panel (cols * PANEL floats,
            // 655 kB for 2560 columns) is then read from memory once per group rather than once per quad
            for (int q0 = from; q0 < to; q0 += QUAD_GROUP) {
                int q1 = Math.min(to, q0 + QUAD_GROUP);
                if (heap == null) {
                    for (int r = q0 * ROW_BLOCK, end = Math.min(rows, q1 * ROW_BLOCK); r < end; r++) stored.decodeRow(r, d, (r - q0 * ROW_BLOCK) * cols);
                }
                for (int p = 0; p < panels; p++) {
                    int t0 = p * PANEL, po = p * cols * PANEL;
                    for (int qd = q0; qd < q1; qd++) {
                        int r0 = qd * ROW_BLOCK;
                        int n4 = Math.min(ROW_BLOCK, rows - r0);
                        int w0 = heap != null ? r0 * cols : (qd - q0) * ROW_BLOCK * cols;
                        if (n4 < ROW_BLOCK) {
                            for (int i = 0; i < n4; i++) matmulRow(d, w0 + i * cols, r0 + i, cols, xt, po, t0, tokens, rows, y, acc);
                        } else if (TOKEN_VECTORS == 4) {
                            quad4(d, w0, r0, cols, xt, po, t0, tokens, rows, y, acc);
                        } else {
                            quad3(d, w0, r0, cols, xt, po, t0, tokens, rows, y, acc);
                        }
                    }
                }
            }
        });
    }

    /** Four rows from r0 times the panel at xt[po..] (tokens t0 ..): 4 x 4 accumulators. */
    private static void quad4(float[] d, int w0, int r0, int cols, float[] xt, int po, int t0, int tokens, int rows, float[] y, float[] acc) {
        int lanes = F.length();
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < cols; c++) {
            int o = po + c * PANEL;
            FloatVector x0 = FloatVector.fromArray(F, xt, o);
            FloatVector x1 = FloatVector.fromArray(F, xt, o + lanes);
            FloatVector x2 = FloatVector.fromArray(F, xt, o + 2 * lanes);
            FloatVector x3 = FloatVector.fromArray(F, xt, o + 3 * lanes);
            FloatVector v = FloatVector.broadcast(F, d[w0 + c]);
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            a02 = x2.fma(v, a02);
            a03 = x3.fma(v, a03);
            v = FloatVector.broadcast(F, d[w1 + c]);
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            a12 = x2.fma(v, a12);
            a13 = x3.fma(v, a13);
            v = FloatVector.broadcast(F, d[w2 + c]);
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            a22 = x2.fma(v, a22);
            a23 = x3.fma(v, a23);
            v = FloatVector.broadcast(F, d[w3 + c]);
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
            a32 = x2.fma(v, a32);
            a33 = x3.fma(v, a33);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, lanes);
        a02.intoArray(acc, 2 * lanes);
        a03.intoArray(acc, 3 * lanes);
        a10.intoArray(acc, PANEL);
        a11.intoArray(acc, PANEL + lanes);
        a12.intoArray(acc, PANEL + 2 * lanes);
        a13.intoArray(acc, PANEL + 3 * lanes);
        a20.intoArray(acc, 2 * PANEL);
        a21.intoArray(acc, 2 * PANEL + lanes);
        a22.intoArray(acc, 2 * PANEL + 2 * lanes);
        a23.intoArray(acc, 2 * PANEL + 3 * lanes);
        a30.intoArray(acc, 3 * PANEL);
        a31.intoArray(acc, 3 * PANEL + lanes);
        a32.intoArray(acc, 3 * PANEL + 2 * lanes);
        a33.intoArray(acc, 3 * PANEL + 3 * lanes);
        quadOutputs(acc, r0, t0, tokens, rows, y);
    }

    /** As {@link #quad4} with 4 x 3 accumulators (hardware with 16 vector registers). */
    private static void quad3(float[] d, int w0, int r0, int cols, float[] xt, int po, int t0, int tokens, int rows, float[] y, float[] acc) {
        int lanes = F.length();
        int w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        for (int c = 0; c < cols; c++) {
            int o = po + c * PANEL;
            FloatVector x0 = FloatVector.fromArray(F, xt, o);
            FloatVector x1 = FloatVector.fromArray(F, xt, o + lanes);
            FloatVector x2 = FloatVector.fromArray(F, xt, o + 2 * lanes);
            FloatVector v = FloatVector.broadcast(F, d[w0 + c]);
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            a02 = x2.fma(v, a02);
            v = FloatVector.broadcast(F, d[w1 + c]);
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            a12 = x2.fma(v, a12);
            v = FloatVector.broadcast(F, d[w2 + c]);
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            a22 = x2.fma(v, a22);
            v = FloatVector.broadcast(F, d[w3 + c]);
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
            a32 = x2.fma(v, a32);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, lanes);
        a02.intoArray(acc, 2 * lanes);
        a10.intoArray(acc, PANEL);
        a11.intoArray(acc, PANEL + lanes);
        a12.intoArray(acc, PANEL + 2 * lanes);
        a20.intoArray(acc, 2 * PANEL);
        a21.intoArray(acc, 2 * PANEL + lanes);
        a22.intoArray(acc, 2 * PANEL + 2 * lanes);
        a30.intoArray(acc, 3 * PANEL);
        a31.intoArray(acc, 3 * PANEL + lanes);
        a32.intoArray(acc, 3 * PANEL + 2 * lanes);
        quadOutputs(acc, r0, t0, tokens, rows, y);
    }

    /** The 4 rows' sums in acc ([row][PANEL]) for the panel's real tokens, into y. */
    private static void quadOutputs(float[] acc, int r0, int t0, int tokens, int rows, float[] y) {
        int n = Math.min(PANEL, tokens - t0);
        for (int i = 0; i < n; i++) {
            int yo = (t0 + i) * rows + r0;
            y[yo] = acc[i];
            y[yo + 1] = acc[PANEL + i];
            y[yo + 2] = acc[2 * PANEL + i];
            y[yo + 3] = acc[3 * PANEL + i];
        }
    }

    /** One row of the prefill float kernel (the rows left over after the 4-row blocks) times one panel. */
    private static void matmulRow(float[] d, int wo, int r, int cols, float[] xt, int po, int t0, int tokens, int rows, float[] y, float[] acc) {
        int lanes = F.length();
        for (int k = 0; k < TOKEN_VECTORS; k++) {
            FloatVector a = FloatVector.zero(F);
            for (int c = 0; c < cols; c++) a = FloatVector.fromArray(F, xt, po + c * PANEL + k * lanes).fma(FloatVector.broadcast(F, d[wo + c]), a);
            a.intoArray(acc, k * lanes);
        }
        int n = Math.min(PANEL, tokens - t0);
        for (int i = 0; i < n; i++) y[(t0 + i) * rows + r] = acc[i];
    }

    @Override
    public void ternaryMatmul(TernaryMatrix w, QuantizedActivations x, float[] y) {
        if (w.tq1InPlace()) {
            tq1Matmul(w, x, y);
            return;
        }
        oneMatrix[0] = w;
        oneOutput[0] = y;
        packedMatmuls(oneMatrix, x, oneOutput);
    }

    /**
     * The prefill kernel with rows in the lanes ({@link RowLaneKernels}) where the hardware has 32-lane short
     * vectors, else the lookup kernel across tokens ({@link #lutProduct}); -Dtrit.tokenLanePrefill=true keeps
     * the latter (for A/B runs; the two give the same bits).
     */
    private static final boolean ROW_LANES = RowLaneKernels.SUPPORTED && !Boolean.getBoolean("trit.tokenLanePrefill");
    private final RowLaneKernels rowLanes;
    /** The decode kernel over matrices stored interleaved ({@link TernaryMatrix#LANES} = 32). */
    private final RowLaneDecode rowLaneDecode;

    private final TernaryMatrix[] oneMatrix = new TernaryMatrix[1];
    private final float[][] oneOutput = new float[1][];

    /** The decode kernel's vectors: 16 shorts, one packed block's worth (see {@link TernaryMatrix}). */
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** Two blocks per vector where the hardware has 512-bit vectors (a pair of blocks is 32 contiguous shorts). */
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    private static final boolean WIDE = ShortVector.SPECIES_PREFERRED.length() >= 32 && !Boolean.getBoolean("trit.narrowDecode");
    /** Blocks (or block pairs) per short-lane run: 8 products of at most 2 * 128 per lane each, 15 stay under 2^15. */
    private static final int DECODE_RUN = 15;

    /** TQ1_0 blocks in place: {@link Tq1Kernels}' decode kernel for few tokens, its lookup tables for more. */
    private void tq1Matmul(TernaryMatrix w, QuantizedActivations x, float[] y) {
        if (x.tokens() < MIN_BATCH) {
            Tq1Kernels.decode(parallel, grain(w.rows(), 32), w, x, y);
            return;
        }
        int tPad = paddedTokens(x.tokens());
        MemorySegment xt = transposed(x, w.cols(), tPad);
        Tq1Kernels.lut(parallel, w, xt, tPad, paddedScales(x, tPad), x.tokens(), y);
    }

    @Override
    public void ternaryMatmuls(TernaryMatrix[] ws, QuantizedActivations x, float[][] ys) {
        for (TernaryMatrix w : ws) {
            if (w.tq1InPlace()) { // one at a time
                for (int i = 0; i < ws.length; i++) ternaryMatmul(ws[i], x, ys[i]);
                return;
            }
        }
        packedMatmuls(ws, x, ys);
    }

    /**
     * Packed (2-bit) matrices that share their input x: the lookup tables for a batch (the input transposed
     * once for all of them), the decode kernel for few tokens.
     */
    private void packedMatmuls(TernaryMatrix[] ws, QuantizedActivations x, float[][] ys) {
        int cols = ws[0].cols();
        for (TernaryMatrix w : ws) if (w.cols() != cols) throw new IllegalArgumentException("matrices of one input must share their columns");
        if (x.tokens() < MIN_BATCH) {
            decodeTernaryMatmuls(ws, x, ys);
            return;
        }
        if (ROW_LANES) {
            for (int i = 0; i < ws.length; i++) rowLanes.product(ws[i], x, ys[i]);
            return;
        }
        int tPad = paddedTokens(x.tokens());
        MemorySegment xt = transposed(x, TernaryMatrix.blocks(cols) * TernaryMatrix.BLOCK, tPad);
        float[] xsPad = paddedScales(x, tPad);
        for (int i = 0; i < ws.length; i++) lutProduct(ws[i], xt, tPad, xsPad, x.tokens(), ys[i]);
    }

    /**
     * Decode form of BitLinear (few tokens) for matrices that share their input (q/k/v, gate/up): each
     * packed 16-short vector is split by shift and mask into the codes (trit + 1) of 8 x 16 columns,
     * multiplied by the int8 activations in short lanes and summed exactly; sum(trit * x) = sum(code * x) -
     * sum(x). Weights are read once per token, packed. The activations are padded, summed and interleaved
     * once, and all rows form one job for the pool (fewer hand-offs per token). Matrices stored in blocks of 32
     * rows ({@link TernaryMatrix#LANES} = 32) go to {@link RowLaneDecode} instead.
     */
    private void decodeTernaryMatmuls(TernaryMatrix[] ws, QuantizedActivations x, float[][] ys) {
        if (TernaryMatrix.LANES > 1) {
            rowLaneDecode.products(ws, x, ys);
            return;
        }
        int cols = ws[0].cols(), tokens = x.tokens();
        int totalRows = 0;
        for (TernaryMatrix w : ws) totalRows += w.rows();
        int blocks = TernaryMatrix.blocks(cols), colsPad = blocks * TernaryMatrix.BLOCK;
        short[] q = x.q();
        short[] qp = shortScratch(tokens * colsPad);
        int[] sumX = SCRATCH.get().ints(tokens);
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(q, t * cols, qp, t * colsPad, cols);
            java.util.Arrays.fill(qp, t * colsPad + cols, (t + 1) * colsPad, (short) 0);
        }
        tokenSums(q, tokens, cols, sumX);
        float[] xs = x.scale();
        // with 512-bit vectors two blocks go per vector: their activations are interleaved to match
        int pairs = WIDE ? blocks / 2 : 0;
        short[] xi = pairs == 0 ? null : SCRATCH.get().shorts(tokens * pairs * 256);
        for (int t = 0; t < tokens && pairs > 0; t++) {
            for (int p = 0; p < pairs; p++) {
                for (int k = 0; k < 8; k++) {
                    int to = t * pairs * 256 + p * 256 + 32 * k, from = t * colsPad + 2 * p * 128 + 16 * k;
                    System.arraycopy(qp, from, xi, to, 16);
                    System.arraycopy(qp, from + 128, xi, to + 16, 16);
                }
            }
        }
        parallel.forPieces(totalRows, grain(totalRows, 32), (from, to) -> {
            // global row g runs through the matrices in order
            int m = 0, first = 0;
            for (int g = from; g < to; g++) {
                while (g >= first + ws[m].rows()) first += ws[m++].rows();
                TernaryMatrix w = ws[m];
                int r = g - first, rows = w.rows();
                for (int t = 0; t < tokens; t++) {
                    int acc = codeDot(w.packed(), r * w.rowShorts(), blocks, pairs, xi, t * pairs * 256, qp, t * colsPad);
                    ys[m][t * rows + r] = (acc - sumX[t]) * w.scale() / xs[t];
                }
            }
        });
    }

    /**
     * A 2-bit code in each short lane, as an int mask: the kernels shift and mask the packed shorts as int
     * lanes (the same bits per short; the mask drops what crosses from the neighbouring short) because C2 emits
     * an int shift by a constant as one instruction and a short shift by a constant as three (the count moved
     * into a vector register each time; read in its disassembly): ~59 -> ~46 instructions per 256 weights.
     * TQ2_0 decode (touch off, A B A B): 21.3-22.7 -> 22.3-22.6 tok/s, within the noise.
     */
    private static final int CODE2 = 0x00030003;

    /**
     * Exact sum of code * x over one packed row (code = trit + 1): block pairs as 512-bit vectors
     * against the interleaved activations xi, the rest block by block against qp. Kernel loops live in
     * static methods, not in the lambdas: a lambda called a few times with a long loop gets only an
     * on-stack-replacement compile, in which C2 failed to inline the vector operations (each then
     * allocated its vector). Four accumulators, not one: a single chain of eight dependent adds per weight vector
     * bounded the loop (standalone probe, 6912x2560: 0.313 -> 0.263 ms on one thread, 0.184 -> 0.149 on two).
     */
    private static int codeDot(short[] packed, int rowBase, int blocks, int pairs, short[] xi, int xiBase, short[] qp, int xBase) {
        int acc = 0;
        for (int p0 = 0; p0 < pairs; p0 += DECODE_RUN) {
            int p1 = Math.min(pairs, p0 + DECODE_RUN);
            ShortVector s0 = ShortVector.zero(S32), s1 = s0, s2 = s0, s3 = s0;
            for (int p = p0; p < p1; p++) {
                IntVector wv = (IntVector) ShortVector.fromArray(S32, packed, rowBase + p * 32).reinterpretAsInts();
                int xo = xiBase + p * 256;
                s0 = s0.add(((ShortVector) wv.and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo)));
                s1 = s1.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 2).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 32)));
                s2 = s2.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 4).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 64)));
                s3 = s3.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 6).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 96)));
                s0 = s0.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 8).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 128)));
                s1 = s1.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 10).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 160)));
                s2 = s2.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 12).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 192)));
                s3 = s3.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 14).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S32, xi, xo + 224)));
            }
            ShortVector sum = s0.add(s1).add(s2.add(s3)); // exact: the same products, |sum| bounded as one chain's
            // the lanes summed in int here, not by a helper: a vector passed to a call C2 does not inline is allocated
            acc += ((IntVector) sum.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).reduceLanes(VectorOperators.ADD)
                    + ((IntVector) sum.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 1)).reduceLanes(VectorOperators.ADD);
        }
        for (int b0 = 2 * pairs; b0 < blocks; b0 += DECODE_RUN) {
            int b1 = Math.min(blocks, b0 + DECODE_RUN);
            ShortVector s0 = ShortVector.zero(S16), s1 = s0, s2 = s0, s3 = s0;
            for (int b = b0; b < b1; b++) {
                IntVector wv = (IntVector) ShortVector.fromArray(S16, packed, rowBase + b * 16).reinterpretAsInts();
                int xo = xBase + b * 128;
                s0 = s0.add(((ShortVector) wv.and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo)));
                s1 = s1.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 2).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 16)));
                s2 = s2.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 4).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 32)));
                s3 = s3.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 6).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 48)));
                s0 = s0.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 8).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 64)));
                s1 = s1.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 10).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 80)));
                s2 = s2.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 12).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 96)));
                s3 = s3.add(((ShortVector) wv.lanewise(VectorOperators.LSHR, 14).and(CODE2).reinterpretAsShorts()).mul(ShortVector.fromArray(S16, qp, xo + 112)));
            }
            ShortVector sum = s0.add(s1).add(s2.add(s3));
            acc += ((IntVector) sum.convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).reduceLanes(VectorOperators.ADD)
                    + ((IntVector) sum.convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 1)).reduceLanes(VectorOperators.ADD);
        }
        return acc;
    }

    /** Per-thread work arrays, grown on demand and kept, so the kernels do not allocate per call. */
    private static final class Scratch {
        private short[] shorts = new short[0];
        private int[] ints = new int[0];
        private float[] floats = new float[0];

        short[] shorts(int n) {
            if (shorts.length < n) shorts = new short[n];
            return shorts;
        }

        int[] ints(int n) {
            if (ints.length < n) ints = new int[n];
            return ints;
        }

        float[] floats(int n) {
            if (floats.length < n) floats = new float[n];
            return floats;
        }

        private MemorySegment table = MemorySegment.NULL, acc = MemorySegment.NULL;

        /** The table kernels' int accumulators, off the heap and aligned as the tables (see {@link VectorKernels#transposed}). */
        MemorySegment acc(long bytes) {
            if (acc.byteSize() < bytes) acc = alignedScratch(bytes);
            return acc;
        }

        /**
         * Lookup tables off the heap, 64-byte aligned: an entry of 32 short lanes is then one cache line (in a
         * short[] the 16-byte array header made every entry straddle two; the kernel ran 1.3-1.5x slower). On
         * huge pages ({@link HugePages}): TQ2_0 prefill of 256 tokens 77.7-81.9 -> 79.0-83.0 tok/s (A B A B, 4 pairs).
         */
        MemorySegment table(long bytes) {
            if (table.byteSize() < bytes) table = HugePages.allocate(bytes);
            return table;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread scratch off the heap, cache-line aligned, freed with its last reference (an automatic arena). */
    static MemorySegment alignedScratch(long bytes) {
        return Arena.ofAuto().allocate(bytes, 64);
    }

    /**
     * Groups of 4 columns per table chunk: |group sum| <= 4 * 128, so up to 63 fit a short lane exactly; 26
     * tables of 256 entries (16 KB each with 32 lanes) keep a chunk's tables in L2. Even, so chunks start
     * at even groups (two per packed short).
     */
    private static final int LUT_GROUPS = 26;
    /** Entries per group table: one per byte value, so the packed byte itself is the index (codes 3 never occur). */
    private static final int LUT_ENTRIES = 256;

    /** Tokens rounded up to whole short vectors (the table kernels' token vectors). */
    private static int paddedTokens(int tokens) {
        int lanes = S.length();
        return (tokens + lanes - 1) / lanes * lanes;
    }

    /**
     * Prefill form of BitLinear by lookup tables (as bitnet.cpp's TL kernels, here across tokens): for
     * a vector of consecutive tokens and each group of 4 columns, the 81 signed sums of those 4
     * activations are tabulated once, at the positions of the bytes that encode them; a weight row then
     * costs one table load and one add per 4 weights, the packed byte being the table index. Tables cover
     * up to 26 groups at a time (in L2, and the short lanes stay exact); each chunk's sums are widened into
     * int accumulators. Threads split the token vectors (each builds its own tables), or the rows when there is one.
     * xt: the activations transposed ({@link #transposed}), xsPad their padded scales.
     */
    private void lutProduct(TernaryMatrix w, MemorySegment xt, int tPad, float[] xsPad, int tokens, float[] y) {
        int rows = w.rows(), lanes = S.length(), vectors = tPad / lanes;
        int groups = w.rowBytes();
        float scale = w.scale();
        short[] packed = w.packed();
        // groups is even (32 per block); so is every chunk but perhaps the last, which ends the row
        int chunks = (groups + LUT_GROUPS - 1) / LUT_GROUPS, perChunk = ((groups + chunks - 1) / chunks + 1) & ~1;
        int tableShorts = perChunk * LUT_ENTRIES * lanes;
        if (vectors >= parallel.threads()) {
            parallel.forRange(vectors, 1, (from, to) -> {
                Scratch sc = SCRATCH.get();
                MemorySegment table = sc.table(2L * tableShorts);
                MemorySegment acc = sc.acc(4L * rows * lanes);
                for (int v = from; v < to; v++) lutBlock(packed, rows, groups, perChunk, xt, tPad, v, table, acc, 0, rows, scale, xsPad, tokens, y);
            });
        } else {
            parallel.forRange(rows, 16, (from, to) -> {
                Scratch sc = SCRATCH.get();
                MemorySegment table = sc.table(2L * tableShorts);
                MemorySegment acc = sc.acc(4L * rows * lanes);
                for (int v = 0; v < vectors; v++) lutBlock(packed, rows, groups, perChunk, xt, tPad, v, table, acc, from, to, scale, xsPad, tokens, y);
            });
        }
    }

    /**
     * x's int8 activations transposed to [colsPad][tPad] (scratch): padding columns and tokens read as
     * zeros, since the tables sum them (times a zero trit for columns).
     */
    private MemorySegment transposed(QuantizedActivations x, int colsPad, int tPad) {
        int tokens = x.tokens(), cols = x.cols();
        short[] q = x.q();
        if (transposed.byteSize() < 2L * colsPad * tPad) transposed = alignedScratch(2L * colsPad * tPad);
        MemorySegment xt = transposed;
        // by blocks of columns, over the pool: a block's destination rows stay in L1 while every token
        // writes into them (column by column, each store went to another cache line: 6% of prefill, serial)
        parallel.forRange((colsPad + TRANSPOSE_COLS - 1) / TRANSPOSE_COLS, 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                int c0 = b * TRANSPOSE_COLS, c1 = Math.min(colsPad, c0 + TRANSPOSE_COLS), cEnd = Math.min(cols, c1);
                for (int t = 0; t < tokens; t++) {
                    int xo = t * cols;
                    for (int c = c0; c < cEnd; c++) xt.set(SHORT, 2L * (c * tPad + t), q[xo + c]);
                }
                for (int c = c0; c < c1; c++) {
                    long from0 = c < cols ? c * tPad + tokens : c * tPad;
                    xt.asSlice(2 * from0, 2 * ((c + 1L) * tPad - from0)).fill((byte) 0);
                }
            }
        });
        return xt;
    }

    /**
     * The transposed activations, off the heap and cache-line aligned as the tables: the kernels load them
     * (and the accumulators, {@link Scratch#acc}) in whole vectors at multiples of 64 bytes, which in a heap
     * array straddle two lines unless the JVM happened to place its data on a line boundary; prefill of 256
     * tokens ran at ~60 or ~80 tok/s from one JVM start to the next (always ~60 with -XX:ObjectAlignmentInBytes=64).
     */
    private MemorySegment transposed = MemorySegment.NULL;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(LE);

    /** Columns per block of the transposition. */
    private static final int TRANSPOSE_COLS = 32;

    /** x's scales padded to tPad tokens with 1 (padding tokens' outputs are dropped). */
    private static float[] paddedScales(QuantizedActivations x, int tPad) {
        float[] xsPad = java.util.Arrays.copyOf(x.scale(), tPad);
        java.util.Arrays.fill(xsPad, Math.min(x.tokens(), tPad), tPad, 1f);
        return xsPad;
    }

    /** Rows [r0, r1) of token vector v: every column chunk's table, then each row's lookups. */
    private static void lutBlock(short[] packed, int rows, int groups, int perChunk, MemorySegment xt, int tPad, int v, MemorySegment table,
                                 MemorySegment acc, int r0, int r1, float scale, float[] xsPad, int tokens, float[] y) {
        int lanes = S.length(), t0 = v * lanes, rowShorts = groups / 2;
        acc.asSlice(4L * r0 * lanes, 4L * (r1 - r0) * lanes).fill((byte) 0);
        for (int g0 = 0; g0 < groups; g0 += perChunk) {
            int ng = Math.min(perChunk, groups - g0);
            for (int g = 0; g < ng; g++) {
                // group g is byte g of the row: short g/2, half g%2; its columns are 16 apart
                int gg = g0 + g, block = gg >>> 5, j = gg & 31;
                int c0 = block * TernaryMatrix.BLOCK + (j >>> 1) + 64 * (j & 1);
                buildTable(xt, c0 * tPad + t0, 16 * tPad, table, g * LUT_ENTRIES * lanes);
            }
            for (int r = r0; r < r1; r++) {
                int po = r * rowShorts;
                ShortVector even = ShortVector.zero(S), odd = even; // two chains of adds, not one (see codeDot)
                // two groups per packed short (chunks start at even groups and hold an even number)
                int k0 = po + (g0 >>> 1);
                for (int g = 0; g < ng; g += 2) {
                    int two = packed[k0 + (g >>> 1)];
                    even = even.add(ShortVector.fromMemorySegment(S, table, 2L * (g * LUT_ENTRIES + (two & 0xff)) * lanes, LE));
                    odd = odd.add(ShortVector.fromMemorySegment(S, table, 2L * ((g + 1) * LUT_ENTRIES + (two >>> 8 & 0xff)) * lanes, LE));
                }
                ShortVector sum = even.add(odd);
                // widened into acc here, not by a helper: a vector passed to a call C2 does not inline is allocated
                // (S and I share the preferred shape, so a short vector is two int vectors)
                for (int p = 0; p < lanes / I.length(); p++) {
                    long ao = 4L * (r * lanes + p * I.length());
                    ((IntVector) sum.convertShape(VectorOperators.S2I, I, p)).add(IntVector.fromMemorySegment(I, acc, ao, LE)).intoMemorySegment(acc, ao, LE);
                }
            }
        }
        lutOutputs(acc, r0, r1, rows, scale, xsPad, t0, tokens, SCRATCH.get().floats(lanes), y);
    }

    /**
     * The lookup-table kernels' outputs for rows [r0, r1) of the token vector from t0: y = acc * scale / xs,
     * exactly as the scalar form (int to float, multiply, divide, each rounded once); out is lanes of scratch.
     */
    static void lutOutputs(MemorySegment acc, int r0, int r1, int rows, float scale, float[] xsPad, int t0, int tokens, float[] out, float[] y) {
        int lanes = S.length(), n = Math.min(lanes, tokens - t0);
        for (int r = r0; r < r1; r++) {
            for (int i = 0; i < lanes; i += F.length()) {
                ((FloatVector) IntVector.fromMemorySegment(IF, acc, 4L * (r * lanes + i), LE).convert(VectorOperators.I2F, 0)).mul(scale)
                        .div(FloatVector.fromArray(F, xsPad, t0 + i)).intoArray(out, i);
            }
            for (int i = 0; i < n; i++) y[(t0 + i) * rows + r] = out[i];
        }
    }

    /** sums[t] = the sum of token t's int8 activations (the decode kernels' code-to-trit correction). */
    static void tokenSums(short[] q, int tokens, int cols, int[] sums) {
        for (int t = 0; t < tokens; t++) {
            int s = 0;
            for (int c = 0; c < cols; c++) s += q[t * cols + c];
            sums[t] = s;
        }
    }

    /**
     * table[at + b * lanes ..] = sum_k (code_k(b) - 1) * x_k for the bytes b whose four 2-bit codes
     * (code_k = b >> 2k & 3) are all trits, for the 4 columns' token vectors at xo + k * stride: entry 0 is
     * -(x0 + x1 + x2 + x3), and raising code k by one adds x_k, so each entry is one add to an earlier one
     * (exact in short lanes). Entries of bytes holding a code 3 are written from stale entries or not at
     * all: no packed byte holds one. Written without arrays of vectors: C2 kept those on the heap, and the
     * table builds then allocated about 200 MB/s (boxed vectors) during prefill.
     */
    private static void buildTable(MemorySegment xt, int xo, int stride, MemorySegment table, int at) {
        ShortVector x0 = ShortVector.fromMemorySegment(S, xt, 2L * xo, LE), x1 = ShortVector.fromMemorySegment(S, xt, 2L * (xo + stride), LE);
        ShortVector x2 = ShortVector.fromMemorySegment(S, xt, 2L * (xo + 2 * stride), LE), x3 = ShortVector.fromMemorySegment(S, xt, 2L * (xo + 3 * stride), LE);
        x0.add(x1).add(x2).add(x3).neg().intoMemorySegment(table, 2L * at, LE);
        // the helper loads its column itself: a vector passed to a call C2 does not inline is allocated
        extendTable(table, at, 1, xt, xo);
        extendTable(table, at, 4, xt, xo + stride);
        extendTable(table, at, 16, xt, xo + 2 * stride);
        extendTable(table, at, 64, xt, xo + 3 * stride);
    }

    /**
     * Code k of the bytes below 4^k = s: entries b + s and b + 2s (code k raised to 1 and 2) are entry b
     * plus x (at xt[xo..]) once and twice.
     */
    private static void extendTable(MemorySegment table, int at, int s, MemorySegment xt, int xo) {
        int lanes = S.length();
        ShortVector x = ShortVector.fromMemorySegment(S, xt, 2L * xo, LE);
        for (int b = 0; b < s; b++) {
            ShortVector e = ShortVector.fromMemorySegment(S, table, 2L * (at + b * lanes), LE).add(x);
            e.intoMemorySegment(table, 2L * (at + (b + s) * lanes), LE);
            e.add(x).intoMemorySegment(table, 2L * (at + (b + 2 * s) * lanes), LE);
        }
    }

    @Override
    public void attention(ModelSpec c, int layer, float[] q, int n, int pos0, float[] keys, float[] values, float[] out) {
        int hd = c.headDim();
        if (hd % F.length() != 0 || c.attnSoftcap() > 0) {
            parallel.forRange(n * c.heads(), 4, (from, to) -> Attention.compute(c, layer, q, n, pos0, keys, values, out, from, to));
            return;
        }
        int qDim = c.qDim(), kvDim = c.kvDim(), group = c.groupSize(), heads = c.heads();
        float scale = c.attentionScale();
        int window = c.layerSpecs().get(layer).slidingWindow();
        int capacity = keys.length / kvDim;
        parallel.forRange(n * heads, 4, (from, to) -> attentionUnits(q, pos0, keys, capacity, values, out, from, to, pos0 + n, heads, hd, qDim, kvDim, group,
                scale, window));
    }

    /**
     * Attention of (token, head) units [from, to); a static method for the JIT (see {@link #codeDot}). Scores
     * run across positions: the keys are stored transposed ({@link KvCache}), so a vector of consecutive
     * positions' partial sums takes one fma per key column, q's element broadcast (each score is one fma chain
     * over the columns in order, then times the scale; the last positions in a masked vector, lane for lane the
     * same), as a BLAS
     * microkernel does torch's q k^T. Values: each output vector is one fma chain over the positions in order
     * (four output vectors per pass) of exp(score - max) times the value, then times 1 / sum.
     */
    private static void attentionUnits(float[] q, int pos0, float[] kt, int capacity, float[] values, float[] out, int from, int to, int maxLen,
                                       int heads, int hd, int qDim, int kvDim, int group, float scale, int window) {
        float[] scores = SCRATCH.get().floats(maxLen);
        int lanes = F.length();
        for (int unit = from; unit < to; unit++) {
            int t = unit / heads, head = unit % heads;
            int len = pos0 + t + 1;
            int first = window > 0 ? Math.max(0, len - window) : 0;
            int qo = t * qDim + head * hd, ko = (head / group) * hd;
            int j = first;
            // four position vectors at a time (four fma chains), then one (masked) at a time
            for (; j + 4 * lanes <= len; j += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < hd; i++) {
                    int ko2 = (ko + i) * capacity + j;
                    FloatVector qi = FloatVector.broadcast(F, q[qo + i]);
                    a0 = FloatVector.fromArray(F, kt, ko2).fma(qi, a0);
                    a1 = FloatVector.fromArray(F, kt, ko2 + lanes).fma(qi, a1);
                    a2 = FloatVector.fromArray(F, kt, ko2 + 2 * lanes).fma(qi, a2);
                    a3 = FloatVector.fromArray(F, kt, ko2 + 3 * lanes).fma(qi, a3);
                }
                a0.mul(scale).intoArray(scores, j);
                a1.mul(scale).intoArray(scores, j + lanes);
                a2.mul(scale).intoArray(scores, j + 2 * lanes);
                a3.mul(scale).intoArray(scores, j + 3 * lanes);
            }
            for (; j < len; j += lanes) { // the last positions in masked vectors, each lane as above
                VectorMask<Float> m = F.indexInRange(j, len);
                FloatVector a0 = FloatVector.zero(F);
                for (int i = 0; i < hd; i++) a0 = FloatVector.fromArray(F, kt, (ko + i) * capacity + j, m).fma(FloatVector.broadcast(F, q[qo + i]), a0);
                a0.mul(scale).intoArray(scores, j, m);
            }
            float max = Float.NEGATIVE_INFINITY;
            for (j = first; j < len; j++) if (scores[j] > max) max = scores[j];
            // Math.exp, not the Vector API's EXP: that one's results differed between runs (interpreted, compiled)
            float sum = 0f;
            for (j = first; j < len; j++) {
                float e = (float) Math.exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            // the output is (sum_j e_j v_j) / sum, as torch's CPU flash attention (sdpa) normalizes it: times 1 / sum at the end
            FloatVector inv = FloatVector.broadcast(F, 1f / sum);
            int i = 0;
            for (; i + 4 * lanes <= hd; i += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (j = first; j < len; j++) {
                    int vo = j * kvDim + ko + i;
                    FloatVector p = FloatVector.broadcast(F, scores[j]);
                    a0 = FloatVector.fromArray(F, values, vo).fma(p, a0);
                    a1 = FloatVector.fromArray(F, values, vo + lanes).fma(p, a1);
                    a2 = FloatVector.fromArray(F, values, vo + 2 * lanes).fma(p, a2);
                    a3 = FloatVector.fromArray(F, values, vo + 3 * lanes).fma(p, a3);
                }
                a0.mul(inv).intoArray(out, qo + i);
                a1.mul(inv).intoArray(out, qo + i + lanes);
                a2.mul(inv).intoArray(out, qo + i + 2 * lanes);
                a3.mul(inv).intoArray(out, qo + i + 3 * lanes);
            }
            for (; i < hd; i += lanes) {
                FloatVector acc = FloatVector.zero(F);
                for (j = first; j < len; j++) acc = FloatVector.fromArray(F, values, j * kvDim + ko + i).fma(FloatVector.broadcast(F, scores[j]), acc);
                acc.mul(inv).intoArray(out, qo + i);
            }
        }
    }
}
