package dev.trit.converters;

/** Told how far a conversion is, in bytes of input consumed. */
@FunctionalInterface
public interface Progress {
    /** {@code done} of {@code total} input bytes are converted; {@code tensor} is being written. */
    void update(long done, long total, String tensor);

    Progress NONE = (d, t, n) -> { };
}
