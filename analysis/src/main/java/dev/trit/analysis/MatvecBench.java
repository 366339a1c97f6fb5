package dev.trit.analysis;

import java.util.List;
import java.util.Random;

/**
 * The bench run priced by RAPL when it is available: {@code tokens} matrix-vector products through
 * every linear matrix of a model, as BitLinear does them (int8 activations, ternary weights: additions
 * and subtractions into an int accumulator, one float rescale per output). Single-threaded and short.
 */
public final class MatvecBench {
    private MatvecBench() {
    }

    /** Runs the bench; returns a checksum so the JIT cannot drop the work. */
    public static long run(List<TensorAnalysis> shapes, int tokens) {
        Random rnd = new Random(42);
        // Weights drawn with each matrix's measured share of zeros: same shapes, same sparsity.
        List<byte[]> trits = new java.util.ArrayList<>();
        for (TensorAnalysis t : shapes) {
            byte[] w = new byte[(int) t.weights()];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextDouble() < t.stats().shareZero() ? 0 : (byte) (rnd.nextBoolean() ? 1 : -1);
            }
            trits.add(w);
        }
        long check = 0;
        for (int tok = 0; tok < tokens; tok++) {
            for (int m = 0; m < shapes.size(); m++) {
                TensorAnalysis t = shapes.get(m);
                byte[] w = trits.get(m);
                int out = (int) t.out(), in = (int) t.in();
                byte[] x = new byte[in];
                rnd.nextBytes(x);
                for (int r = 0; r < out; r++) {
                    int acc = 0;
                    int base = r * in;
                    for (int c = 0; c < in; c++) {
                        int v = w[base + c];
                        acc += v == 0 ? 0 : v > 0 ? x[c] : -x[c];
                    }
                    check += (long) (acc * 0.01f);
                }
            }
        }
        return check;
    }
}
