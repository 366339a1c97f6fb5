package dev.trit.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/** Paths of the bundled fixtures and a loader for the HF fixture checkpoints. */
final class Fixtures {
    private Fixtures() {
    }

    static Path root() {
        return Path.of(System.getProperty("trit.root"), "fixtures");
    }

    static Path hf(String name) {
        return root().resolve("hf").resolve(name);
    }

    static JsonNode json(String relative) throws IOException {
        return new ObjectMapper().readTree(root().resolve(relative).toFile());
    }

    /** Loads a fixture model fully onto the heap (the mapping is closed before returning). */
    static Transformer load(String name, Kernels kernels) throws IOException {
        return HfModel.load(hf(name), kernels);
    }
}
