package dev.trit.formats;

import java.nio.file.Path;

/** Where the fixtures are: the bundled copy, and the complete set (some files are only there). */
final class Fixtures {
    private Fixtures() {
    }

    static Path root() {
        return Path.of(System.getProperty("trit.root"));
    }

    static Path bundled(String rel) {
        return root().resolve("fixtures").resolve(rel);
    }

    static Path shared(String rel) {
        return root().resolve("../shared/fixtures").resolve(rel).normalize();
    }
}
