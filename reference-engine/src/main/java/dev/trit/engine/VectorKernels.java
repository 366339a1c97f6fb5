package dev.trit.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API kernels, multi-threaded over output rows. */
public final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Ints with as many lanes as F, for int-to-float conversion lane for lane. */
    private static final VectorSpecies<Integer> IF = VectorSpecies.of(int.class, F.vectorShape());
    /**
     * Products of int8 activations and trits lie in [-128, 128]; a short lane can add 255 of them without
     * overflow (255 * 128 = 32640), so lanes are widened to int at least that often.
     */
    private static final int SHORT_STEPS = 255;

    private final Parallel parallel;

    public VectorKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    /** From this many tokens on, the kernels vectorize across tokens (prefill) instead of along a row. */
    private static final int MIN_BATCH = 8;

    @Override
    public void matmul(FloatMatrix w, float[] x, int tokens, float[] y) {
        if (tokens >= MIN_BATCH) {
            batchedMatmul(w, x, tokens, y);
            return;
        }
        int rows = w.rows(), cols = w.cols();
        float[] d = w.data();
        int bound = F.loopBound(cols);
        parallel.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int wo = r * cols;
                for (int t = 0; t < tokens; t++) {
                    int xo = t * cols;
                    FloatVector acc = FloatVector.zero(F);
                    int c = 0;
                    for (; c < bound; c += F.length()) {
                        acc = FloatVector.fromArray(F, x, xo + c).fma(FloatVector.fromArray(F, d, wo + c), acc);
                    }
                    float s = sumLanes(acc);
                    for (; c < cols; c++) s += x[xo + c] * d[wo + c];
                    y[t * rows + r] = s;
                }
            }
        });
    }

    /** Rows of W and vectors of tokens one step of the prefill float kernel covers (4 x 3 accumulators). */
    private static final int ROW_BLOCK = 4, TOKEN_VECTORS = 3;

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
     * Prefill form: with x transposed to [cols, tokens], each weight is broadcast and multiplied into
     * vectors of consecutive tokens, so no horizontal reductions are needed. Register-blocked: 4 rows x
     * 3 token vectors per step, so each column costs 3 activation loads and 4 broadcasts for 12 FMAs.
     * Every output is still one fma chain over c = 0..cols-1 in order, so the result does not depend on
     * the blocking or the thread split.
     */
    private void batchedMatmul(FloatMatrix w, float[] x, int tokens, float[] y) {
        int rows = w.rows(), cols = w.cols(), lanes = F.length();
        int block = TOKEN_VECTORS * lanes;
        int tPad = (tokens + block - 1) / block * block;
        float[] xt = floatScratch(cols * tPad);
        for (int t = 0; t < tokens; t++) {
            int xo = t * cols;
            for (int c = 0; c < cols; c++) xt[c * tPad + t] = x[xo + c];
        }
        float[] d = w.data();
        int quads = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        parallel.forRange(quads, 1, (from, to) -> {
            float[] acc = new float[ROW_BLOCK * block];
            for (int qd = from; qd < to; qd++) {
                int r0 = qd * ROW_BLOCK;
                if (r0 + ROW_BLOCK > rows) {
                    for (int r = r0; r < rows; r++) matmulRow(d, r, cols, xt, tPad, tokens, rows, y, acc);
                    continue;
                }
                int w0 = r0 * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
                for (int base = 0; base < tokens; base += block) {
                    FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
                    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
                    for (int c = 0; c < cols; c++) {
                        int o = c * tPad + base;
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
                    a10.intoArray(acc, block);
                    a11.intoArray(acc, block + lanes);
                    a12.intoArray(acc, block + 2 * lanes);
                    a20.intoArray(acc, 2 * block);
                    a21.intoArray(acc, 2 * block + lanes);
                    a22.intoArray(acc, 2 * block + 2 * lanes);
                    a30.intoArray(acc, 3 * block);
                    a31.intoArray(acc, 3 * block + lanes);
                    a32.intoArray(acc, 3 * block + 2 * lanes);
                    int n = Math.min(block, tokens - base);
                    for (int i = 0; i < n; i++) {
                        int yo = (base + i) * rows + r0;
                        y[yo] = acc[i];
                        y[yo + 1] = acc[block + i];
                        y[yo + 2] = acc[2 * block + i];
                        y[yo + 3] = acc[3 * block + i];
                    }
                }
            }
        });
    }

    /** One row of the prefill float kernel (the rows left over after the 4-row blocks). */
    private static void matmulRow(float[] d, int r, int cols, float[] xt, int tPad, int tokens, int rows, float[] y, float[] acc) {
        int lanes = F.length(), block = TOKEN_VECTORS * lanes, wo = r * cols;
        for (int base = 0; base < tokens; base += block) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
            for (int c = 0; c < cols; c++) {
                FloatVector v = FloatVector.broadcast(F, d[wo + c]);
                int o = c * tPad + base;
                a0 = FloatVector.fromArray(F, xt, o).fma(v, a0);
                a1 = FloatVector.fromArray(F, xt, o + lanes).fma(v, a1);
                a2 = FloatVector.fromArray(F, xt, o + 2 * lanes).fma(v, a2);
            }
            a0.intoArray(acc, 0);
            a1.intoArray(acc, lanes);
            a2.intoArray(acc, 2 * lanes);
            int n = Math.min(block, tokens - base);
            for (int i = 0; i < n; i++) y[(base + i) * rows + r] = acc[i];
        }
    }

    @Override
    public void ternaryMatmul(TernaryMatrix w, QuantizedActivations x, float[] y) {
        if (x.tokens() >= MIN_BATCH) {
            batchedTernaryMatmul(w, x, y);
            return;
        }
        int rows = w.rows(), cols = w.cols(), tokens = x.tokens();
        short[] q = x.q();
        float[] xs = x.scale();
        float scale = w.scale();
        int bound = S.loopBound(cols);
        parallel.forRange(rows, 16, (from, to) -> {
            short[] row = new short[cols];
            for (int r = from; r < to; r++) {
                w.decodeRow(r, row);
                for (int t = 0; t < tokens; t++) {
                    int xo = t * cols;
                    int acc = 0;
                    int c = 0;
                    while (c < bound) {
                        int stop = Math.min(bound, c + SHORT_STEPS * S.length());
                        ShortVector sum = ShortVector.zero(S);
                        for (; c < stop; c += S.length()) {
                            sum = ShortVector.fromArray(S, q, xo + c).mul(ShortVector.fromArray(S, row, c)).add(sum);
                        }
                        acc += widenSum(sum);
                    }
                    for (; c < cols; c++) acc += q[xo + c] * row[c];
                    y[t * rows + r] = acc * scale / xs[t];
                }
            }
        });
    }

    /**
     * Prefill form of BitLinear: with the int8 activations transposed to [cols, tokens], a +1 weight adds
     * a vector of consecutive tokens' activations, a -1 weight subtracts it and a 0 weight costs nothing.
     * Short lanes are flushed into int sums every 255 terms (|term| <= 128), so sums stay exact.
     */
    private void batchedTernaryMatmul(TernaryMatrix w, QuantizedActivations x, float[] y) {
        int rows = w.rows(), cols = w.cols(), tokens = x.tokens(), lanes = S.length();
        int group = 4 * lanes;
        int tPad = (tokens + group - 1) / group * group;
        short[] q = x.q();
        short[] xt = shortScratch(cols * tPad);
        for (int t = 0; t < tokens; t++) {
            int xo = t * cols;
            for (int c = 0; c < cols; c++) xt[c * tPad + t] = q[xo + c];
        }
        // padding lanes hold stale values: summed (wrapping) but never stored

        float[] xsPad = java.util.Arrays.copyOf(x.scale(), tPad);
        java.util.Arrays.fill(xsPad, tokens, tPad, 1f);
        float scale = w.scale();
        parallel.forRange(rows, 4, (from, to) -> {
            float[] out = new float[tPad];
            short[] row = new short[cols];
            int[] plus = new int[cols + 1], minus = new int[cols + 1];
            int[] acc = new int[tPad];
            for (int r = from; r < to; r++) {
                w.decodeRow(r, row);
                // branch-free: trits are random, so a branch per column would mispredict most of the time
                int np = 0, nm = 0;
                for (int c = 0; c < cols; c++) {
                    int tr = row[c], off = c * tPad;
                    plus[np] = off;
                    minus[nm] = off;
                    np += (tr + 1) >> 1;   // 1 for +1, else 0
                    nm += (1 - tr) >> 1;   // 1 for -1, else 0
                }
                java.util.Arrays.fill(acc, 0);
                for (int base = 0; base < tokens; base += group) {
                    accumulateGroup(xt, base, plus, np, minus, nm, acc);
                }
                // acc * scale / xs exactly as the scalar form: int to float, multiply, divide, each rounded once
                for (int t = 0; t < tPad; t += F.length()) {
                    ((FloatVector) IntVector.fromArray(IF, acc, t).convert(VectorOperators.I2F, 0)).mul(scale)
                            .div(FloatVector.fromArray(F, xsPad, t)).intoArray(out, t);
                }
                for (int t = 0; t < tokens; t++) y[t * rows + r] = out[t];
            }
        });
    }

    /** acc[base .. base+4*lanes) += sum over plus offsets of xt - sum over minus offsets, exactly. */
    private static void accumulateGroup(short[] xt, int base, int[] plus, int np, int[] minus, int nm, int[] acc) {
        int lanes = S.length();
        // chunks of at most 255 terms keep the short lanes exact; no branch inside the hot loops
        for (int start = 0; start < np; start += SHORT_STEPS) {
            int end = Math.min(np, start + SHORT_STEPS);
            ShortVector a0 = ShortVector.zero(S), a1 = ShortVector.zero(S), a2 = ShortVector.zero(S), a3 = ShortVector.zero(S);
            for (int i = start; i < end; i++) {
                int o = plus[i] + base;
                a0 = a0.add(ShortVector.fromArray(S, xt, o));
                a1 = a1.add(ShortVector.fromArray(S, xt, o + lanes));
                a2 = a2.add(ShortVector.fromArray(S, xt, o + 2 * lanes));
                a3 = a3.add(ShortVector.fromArray(S, xt, o + 3 * lanes));
            }
            flush(a0, a1, a2, a3, acc, base);
        }
        for (int start = 0; start < nm; start += SHORT_STEPS) {
            int end = Math.min(nm, start + SHORT_STEPS);
            ShortVector a0 = ShortVector.zero(S), a1 = ShortVector.zero(S), a2 = ShortVector.zero(S), a3 = ShortVector.zero(S);
            for (int i = start; i < end; i++) {
                int o = minus[i] + base;
                a0 = a0.add(ShortVector.fromArray(S, xt, o));
                a1 = a1.add(ShortVector.fromArray(S, xt, o + lanes));
                a2 = a2.add(ShortVector.fromArray(S, xt, o + 2 * lanes));
                a3 = a3.add(ShortVector.fromArray(S, xt, o + 3 * lanes));
            }
            flush(a0.neg(), a1.neg(), a2.neg(), a3.neg(), acc, base);
        }
    }

    private static void flush(ShortVector a0, ShortVector a1, ShortVector a2, ShortVector a3, int[] acc, int base) {
        int lanes = S.length();
        addInto(a0, acc, base);
        addInto(a1, acc, base + lanes);
        addInto(a2, acc, base + 2 * lanes);
        addInto(a3, acc, base + 3 * lanes);
    }

    /** acc[at .. at+lanes) += v, widened to int. */
    private static void addInto(ShortVector v, int[] acc, int at) {
        int parts = S.length() / I.length();
        if (parts < 1 || parts * I.length() != S.length()) {
            short[] a = v.toArray();
            for (int i = 0; i < a.length; i++) acc[at + i] += a[i];
            return;
        }
        for (int p = 0; p < parts; p++) {
            int o = at + p * I.length();
            ((IntVector) v.convertShape(VectorOperators.S2I, I, p)).add(IntVector.fromArray(I, acc, o)).intoArray(acc, o);
        }
    }

    @Override
    public void attention(ModelConfig c, float[] q, int n, int pos0, float[] keys, float[] values, float[] out) {
        int hd = c.headDim();
        if (hd % F.length() != 0) {
            parallel.forRange(n * c.heads(), 4, (from, to) -> Attention.compute(c, q, n, pos0, keys, values, out, from, to));
            return;
        }
        int qDim = c.qDim(), kvDim = c.kvDim(), group = c.groupSize(), heads = c.heads();
        float scale = (float) (1.0 / Math.sqrt(hd));
        parallel.forRange(n * heads, 4, (from, to) -> {
            float[] scores = new float[pos0 + n];
            for (int unit = from; unit < to; unit++) {
                int t = unit / heads, head = unit % heads;
                int len = pos0 + t + 1;
                int qo = t * qDim + head * hd, ko = (head / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    int kb = j * kvDim + ko;
                    FloatVector acc = FloatVector.zero(F);
                    for (int i = 0; i < hd; i += F.length()) {
                        acc = FloatVector.fromArray(F, q, qo + i).fma(FloatVector.fromArray(F, keys, kb + i), acc);
                    }
                    float s = sumLanes(acc) * scale;
                    scores[j] = s;
                    if (s > max) max = s;
                }
                float sum = 0f;
                for (int j = 0; j < len; j++) {
                    float e = (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int i = 0; i < hd; i += F.length()) {
                    FloatVector acc = FloatVector.zero(F);
                    for (int j = 0; j < len; j++) {
                        acc = FloatVector.fromArray(F, values, j * kvDim + ko + i).fma(FloatVector.broadcast(F, scores[j] * inv), acc);
                    }
                    acc.intoArray(out, qo + i);
                }
            }
        });
    }

    /**
     * The lanes' sum, added in lane order. FloatVector.reduceLanes(ADD) leaves the order unspecified,
     * and the interpreted and JIT-compiled forms do differ, so the same input gave logits differing in
     * the last bits from one call to the next; evaluation numbers must be reproducible run to run.
     */
    private static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** Sums short lanes in int arithmetic (a short reduction could overflow). */
    private static int widenSum(ShortVector v) {
        int parts = S.length() / I.length();
        if (parts * I.length() != S.length() || parts < 1) {
            int s = 0;
            for (short e : v.toArray()) s += e;
            return s;
        }
        int s = 0;
        for (int p = 0; p < parts; p++) {
            s += ((IntVector) v.convertShape(VectorOperators.S2I, I, p)).reduceLanes(VectorOperators.ADD);
        }
        return s;
    }
}
