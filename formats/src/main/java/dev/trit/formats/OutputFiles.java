package dev.trit.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Temporary files and directories beside an output, to be moved into place when complete. Unlike
 * Files.createTempFile (0600) they get the permissions of an ordinary output (rw-r--r--, rwxr-xr-x,
 * less the umask), so a finished model or report is readable by others as one written directly is.
 */
public final class OutputFiles {
    private OutputFiles() {
    }

    public static Path tempFileBeside(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        return Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp", attrs(abs.getParent(), "rw-r--r--"));
    }

    public static Path tempDirBeside(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        return Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".", attrs(abs.getParent(), "rwxr-xr-x"));
    }

    private static FileAttribute<?>[] attrs(Path dir, String perms) {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        return posix ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms))} : new FileAttribute<?>[0];
    }
}
