package dev.trit.formats;

import java.nio.file.Path;

/** Where the tests find the fixtures: the bundled copy, and the complete set (some files are only there). */
final class Fixtures {
    private Fixtures() {
    }

    /** The bundled fixtures of the repo. */
    static Path root() {
        return Path.of(System.getProperty("trit.root"), "fixtures");
    }

    static Path hf(String model) {
        return root().resolve("hf").resolve(model);
    }

    /** A bundled fixture file, relative to fixtures/. */
    static Path bundled(String rel) {
        return root().resolve(rel);
    }

    /** The complete fixture set (beside the repo on the build machine; tests using it check it exists). */
    static Path shared() {
        return Path.of(System.getProperty("trit.root")).resolve("../shared/fixtures").normalize();
    }

    static Path shared(String rel) {
        return shared().resolve(rel);
    }
}
