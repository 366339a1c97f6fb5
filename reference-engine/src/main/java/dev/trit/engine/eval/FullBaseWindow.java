package dev.trit.engine.eval;

/**
 * The full-distribution base of one window: {@code rows[j]} is the distribution predicting the token at
 * offset {@code firstPosition + j} of the tokenized text (a window's scored tokens are consecutive).
 */
public record FullBaseWindow(int window, int firstPosition, FullLogprobs[] rows) {

    /** Where a full base is written to, window by window (a file writer streams it out). */
    public interface Sink {
        void accept(FullBaseWindow w) throws java.io.IOException;
    }

    /** Where a full base is read from, window by window in order; null after the last. */
    public interface Source {
        FullBaseWindow next() throws java.io.IOException;
    }
}
