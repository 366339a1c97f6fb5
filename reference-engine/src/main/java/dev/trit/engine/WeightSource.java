package dev.trit.engine;

import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/** Where the engine reads named tensors from: a memory-mapped checkpoint, usually a {@link TensorFile}. */
public interface WeightSource {
    Optional<TensorInfo> find(String name);

    /** The names of every tensor the source holds (under the names {@link #find} takes where it has them). */
    List<String> names();

    /** The tensor's little-endian bytes, valid while the source is open. */
    MemorySegment data(TensorInfo tensor);

    /**
     * Null, or for each logical row of a matrix the stored row that holds it (GGUF's LLaMA Q/K rows are
     * permuted for llama.cpp's rotary layout; mapped weights are read through this map, not copied).
     */
    default int[] rowOrder(TensorInfo tensor) {
        return null;
    }

    /**
     * A linear layer's weight as a ternary matrix, if this source decodes it itself (a GGUF ternary
     * projection goes straight into the packed layout, a few rows at a time); empty to read it through
     * {@link #data}. The shape has been checked against the layer.
     */
    default Optional<TernaryMatrix> ternary(TensorInfo tensor) {
        return Optional.empty();
    }

    /**
     * The engine has copied what it needs of the tensor to the heap, so its mapped pages need not stay
     * resident (they would count in the process's RSS for nothing). The data stays valid: pages touched
     * again are read back from the file.
     */
    default void release(TensorInfo tensor) {
        unload(data(tensor));
    }

    /** Drops a mapped segment's pages from this process's resident memory (they stay in the page cache). */
    static void unload(MemorySegment data) {
        if (data.isMapped()) data.unload();
    }

    /**
     * Bytes before a range just read whose mapped pages are dropped with it ({@link #unloadRead}): a page fault
     * maps pages around it (fault-around, 64 KB by default, more where the page cache holds large folios). With
     * 64 KB the 2B4T head's repack still left ~115 MB of its mapped pages resident until the final drop (Linux
     * 6.18; TQ1_0 file, peak RSS 1.35x the file); with 4 MB none (1.20x).
     */
    long DROP_BEHIND = 4 << 20;

    /**
     * Drops the pages of bytes [from, to) of a mapped segment, just read in order, and {@link #DROP_BEHIND} before
     * them: reading the range's first bytes mapped pages of what came before it again.
     */
    static void unloadRead(MemorySegment data, long from, long to) {
        long start = Math.max(0, from - DROP_BEHIND);
        if (data.isMapped()) data.asSlice(start, to - start).unload();
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
            public List<String> names() {
                return file.tensors().stream().map(TensorInfo::name).toList();
            }

            @Override
            public MemorySegment data(TensorInfo tensor) {
                return file.data(tensor);
            }
        };
    }
}
