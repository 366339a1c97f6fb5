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

    /**
     * Prefill form: with x transposed to [cols, tokens], each weight is broadcast and multiplied into
     * vectors of 4 x lanes consecutive tokens, so no horizontal reductions are needed.
     */
    private void batchedMatmul(FloatMatrix w, float[] x, int tokens, float[] y) {
        int rows = w.rows(), cols = w.cols(), lanes = F.length();
        int tPad = (tokens + 4 * lanes - 1) / (4 * lanes) * (4 * lanes);
        float[] xt = new float[cols * tPad];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < cols; c++) xt[c * tPad + t] = x[t * cols + c];
        }
        float[] d = w.data();
        parallel.forRange(rows, 4, (from, to) -> {
            float[] acc = new float[4 * lanes];
            for (int r = from; r < to; r++) {
                int wo = r * cols;
                for (int base = 0; base < tokens; base += 4 * lanes) {
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    for (int c = 0; c < cols; c++) {
                        FloatVector wv = FloatVector.broadcast(F, d[wo + c]);
                        int o = c * tPad + base;
                        a0 = FloatVector.fromArray(F, xt, o).fma(wv, a0);
                        a1 = FloatVector.fromArray(F, xt, o + lanes).fma(wv, a1);
                        a2 = FloatVector.fromArray(F, xt, o + 2 * lanes).fma(wv, a2);
                        a3 = FloatVector.fromArray(F, xt, o + 3 * lanes).fma(wv, a3);
                    }
                    a0.intoArray(acc, 0);
                    a1.intoArray(acc, lanes);
                    a2.intoArray(acc, 2 * lanes);
                    a3.intoArray(acc, 3 * lanes);
                    int n = Math.min(4 * lanes, tokens - base);
                    for (int i = 0; i < n; i++) y[(base + i) * rows + r] = acc[i];
                }
            }
        });
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
        short[] xt = new short[cols * tPad];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < cols; c++) xt[c * tPad + t] = q[t * cols + c];
        }
        float[] xs = x.scale();
        float scale = w.scale();
        parallel.forRange(rows, 4, (from, to) -> {
            short[] row = new short[cols];
            int[] plus = new int[cols], minus = new int[cols];
            int[] acc = new int[tPad];
            for (int r = from; r < to; r++) {
                w.decodeRow(r, row);
                int np = 0, nm = 0;
                for (int c = 0; c < cols; c++) {
                    if (row[c] > 0) plus[np++] = c * tPad;
                    else if (row[c] < 0) minus[nm++] = c * tPad;
                }
                java.util.Arrays.fill(acc, 0);
                for (int base = 0; base < tokens; base += group) {
                    accumulateGroup(xt, base, plus, np, minus, nm, acc);
                }
                for (int t = 0; t < tokens; t++) y[t * rows + r] = acc[t] * scale / xs[t];
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
