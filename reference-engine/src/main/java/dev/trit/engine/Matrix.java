package dev.trit.engine;

/** A weight matrix of shape [rows, cols] (PyTorch's [out, in]) as the engine stores it. */
public sealed interface Matrix permits FloatMatrix, TernaryMatrix, StoredMatrix {
    int rows();

    int cols();

    /** The effective weight at (r, c), for tests and diagnostics (slow). */
    float get(int r, int c);

    /** Bytes the weights take where the kernels read them (heap or mapped file); what one full product streams. */
    long storedBytes();
}
