package dev.trit.engine;

import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** Where the engine reads named tensors from: a memory-mapped checkpoint, usually a {@link TensorFile}. */
public interface WeightSource {
    Optional<TensorInfo> find(String name);

    /** The tensor's little-endian bytes, valid while the source is open. */
    MemorySegment data(TensorInfo tensor);

    /**
     * Null, or for each logical row of a matrix the stored row that holds it (GGUF's LLaMA Q/K rows are
     * permuted for llama.cpp's rotary layout; mapped weights are read through this map, not copied).
     */
    default int[] rowOrder(TensorInfo tensor) {
        return null;
    }

    default TensorInfo require(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("missing tensor " + name));
    }

    static WeightSource of(TensorFile file) {
        return new WeightSource() {
            @Override
            public Optional<TensorInfo> find(String name) {
                return file.find(name);
            }

            @Override
            public MemorySegment data(TensorInfo tensor) {
                return file.data(tensor);
            }
        };
    }
}
