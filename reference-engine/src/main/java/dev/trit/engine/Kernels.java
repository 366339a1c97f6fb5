package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;

/** The matrix products of the forward pass. Outputs are tokens x rows, row-major. */
public sealed interface Kernels permits ScalarKernels, VectorKernels {
    /** y[t, r] = sum_c x[t, c] * W[r, c] in float. */
    void matmul(FloatMatrix w, float[] x, int tokens, float[] y);

    /** As {@link #matmul(FloatMatrix, float[], int, float[])} over the widened rows of a stored matrix. */
    void matmul(StoredMatrix w, float[] x, int tokens, float[] y);

    /**
     * llama.cpp's product of a K-quant matrix whose encoding has {@link StoredMatrix.Encoding#q8KDot}: y[t, r] as
     * ggml's vec_dot_*_q8_K of row r with token t of x (integer sums per super-block, see {@link Q8KDots}).
     */
    void matmul(StoredMatrix w, Q8KActivations x, float[] y);

    /**
     * BitLinear: y[t, r] = (sum_c q[t, c] * trit[r, c]) * W.scale / x.scale[t], the sum taken exactly in
     * integers and rescaled once.
     */
    void ternaryMatmul(TernaryMatrix w, QuantizedActivations x, float[] y);

    /** ys[i] = ws[i] x for matrices that share their input (q/k/v, gate/up); kernels may run them as one job. */
    default void ternaryMatmuls(TernaryMatrix[] ws, QuantizedActivations x, float[][] ys) {
        for (int i = 0; i < ws.length; i++) ternaryMatmul(ws[i], x, ys[i]);
    }

    /**
     * Causal attention of n queries at positions pos0.. over the cached keys/values (see {@link Attention}).
     */
    default void attention(ModelSpec c, int layer, float[] q, int n, int pos0, float[] keys, float[] values, float[] out) {
        Attention.compute(c, layer, q, n, pos0, keys, values, out, 0, n * c.heads());
    }

    /**
     * Runs body over [0, n) on the kernels' threads (the scalar kernels: on the caller's), for element-wise
     * work between the products (norms, the gated activation): each index is computed exactly as alone.
     */
    default void forRange(int n, int minChunk, Parallel.RangeBody body) {
        body.run(0, n);
    }
}
