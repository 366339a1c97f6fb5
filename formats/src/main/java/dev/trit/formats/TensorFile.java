package dev.trit.formats;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A memory-mapped file (or set of shards) of named tensors. Data is never copied to the heap: {@link
 * #data} returns a read-only slice of the mapping, valid until {@link #close}.
 */
public sealed interface TensorFile extends AutoCloseable permits SafetensorsFile, ShardedSafetensors, GgufFile {
    /** The file (or, for a sharded checkpoint, its index file). */
    Path path();

    /** Tensors in file order. */
    List<TensorInfo> tensors();

    /** File-level string metadata (safetensors {@code __metadata__}; for GGUF see GgufFile#metadata). */
    Map<String, String> stringMetadata();

    default Optional<TensorInfo> find(String name) {
        for (TensorInfo t : tensors()) if (t.name().equals(name)) return Optional.of(t);
        return Optional.empty();
    }

    /** The tensor's bytes as a read-only slice of the mapping (little-endian). */
    MemorySegment data(TensorInfo tensor);

    /** Total bytes of tensor data. */
    default long totalTensorBytes() {
        long n = 0;
        for (TensorInfo t : tensors()) n += t.byteSize();
        return n;
    }

    @Override
    void close();
}
