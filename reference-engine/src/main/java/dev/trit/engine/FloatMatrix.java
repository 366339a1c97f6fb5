package dev.trit.engine;

import java.util.Objects;

/** A float matrix on the heap, row-major (used for embeddings, lm_head and LLaMA's float linears). */
public record FloatMatrix(int rows, int cols, float[] data) implements Matrix {
    public FloatMatrix {
        Objects.requireNonNull(data);
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("float matrix [" + rows + ", " + cols + "] needs " + (long) rows * cols + " values, got " + data.length);
        }
    }

    @Override
    public float get(int r, int c) {
        return data[r * cols + c];
    }

    @Override
    public long storedBytes() {
        return 4L * data.length;
    }

    /** Copies row r into dst at offset. */
    public void copyRow(int r, float[] dst, int offset) {
        System.arraycopy(data, r * cols, dst, offset, cols);
    }
}
