package dev.trit.formats;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or data file that cannot be read or written as its format demands. The message is one
 * line naming the file and the cause, ready for the CLI to print as it is.
 */
public class FormatException extends IOException {
    private final Path file;

    /** Longest cause kept: a corrupt file can make a quoted name or value arbitrarily long. */
    static final int MAX_CAUSE = 300;

    public FormatException(Path file, String cause) {
        super(file + ": " + oneLine(cause));
        this.file = file;
    }

    public FormatException(Path file, String cause, Throwable underlying) {
        super(file + ": " + oneLine(cause), underlying);
        this.file = file;
    }

    /**
     * The cause as one printable line: control characters (which corrupt names read from a file may
     * hold) become '?', and an overlong text is cut in the middle.
     */
    static String oneLine(String cause) {
        if (cause == null) return "unknown error";
        StringBuilder b = new StringBuilder(Math.min(cause.length(), MAX_CAUSE + 8));
        cause.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        if (b.length() <= MAX_CAUSE) return b.toString();
        int keep = MAX_CAUSE / 2;
        return b.substring(0, keep) + " ... " + b.substring(b.length() - keep);
    }

    public Path file() {
        return file;
    }
}
