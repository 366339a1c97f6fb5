package dev.trit.engine;

/** Plain-Java reference kernels, single-threaded; the tests check the vector kernels against these. */
public final class ScalarKernels implements Kernels {
    @Override
    public void matmul(FloatMatrix w, float[] x, int tokens, float[] y) {
        int rows = w.rows(), cols = w.cols();
        float[] d = w.data();
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                float s = 0f;
                for (int c = 0; c < cols; c++) s += x[t * cols + c] * d[r * cols + c];
                y[t * rows + r] = s;
            }
        }
    }

    @Override
    public void matmul(StoredMatrix w, float[] x, int tokens, float[] y) {
        int rows = w.rows(), cols = w.cols();
        float[] d = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.decodeRow(r, d, 0);
            for (int t = 0; t < tokens; t++) {
                float s = 0f;
                for (int c = 0; c < cols; c++) s += x[t * cols + c] * d[c];
                y[t * rows + r] = s;
            }
        }
    }

    @Override
    public void matmul(StoredMatrix w, Q8KActivations x, float[] y) {
        int rows = w.rows();
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < x.tokens(); t++) y[t * rows + r] = w.dotRowQ8K(r, x, t, false);
        }
    }

    @Override
    public void ternaryMatmul(TernaryMatrix w, QuantizedActivations x, float[] y) {
        int rows = w.rows(), cols = w.cols();
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            w.decodeRow(r, row);
            for (int t = 0; t < x.tokens(); t++) {
                int acc = 0;
                for (int c = 0; c < cols; c++) acc += x.q()[t * cols + c] * row[c];
                y[t * rows + r] = acc * w.scale() / x.scale()[t];
            }
        }
    }
}
