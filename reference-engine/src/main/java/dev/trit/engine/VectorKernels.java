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

    @Override
    public void matmul(FloatMatrix w, float[] x, int tokens, float[] y) {
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
                    float s = acc.reduceLanes(VectorOperators.ADD);
                    for (; c < cols; c++) s += x[xo + c] * d[wo + c];
                    y[t * rows + r] = s;
                }
            }
        });
    }

    @Override
    public void ternaryMatmul(TernaryMatrix w, QuantizedActivations x, float[] y) {
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
