package dev.trit.formats;

import java.nio.file.Path;

/** Where the tests find the fixtures. */
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

    /** The complete fixture set (only on the build machine; tests using it check it exists). */
    static Path shared() {
        return Path.of(System.getProperty("trit.root")).resolve("../shared/fixtures").normalize();
    }
}
