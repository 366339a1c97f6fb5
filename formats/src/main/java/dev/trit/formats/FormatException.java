package dev.trit.formats;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or data file that cannot be read or written as its format demands. The message is one
 * line naming the file and the cause, ready for the CLI to print as it is.
 */
public class FormatException extends IOException {
    private final Path file;

    public FormatException(Path file, String cause) {
        super(file + ": " + cause);
        this.file = file;
    }

    public FormatException(Path file, String cause, Throwable underlying) {
        super(file + ": " + cause, underlying);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
