package dev.trit.formats;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** PLACEHOLDER: to be written. */
public final class GgufFile implements TensorFile {
    private GgufFile() {
    }

    @Override
    public Path path() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<TensorInfo> tensors() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, String> stringMetadata() {
        throw new UnsupportedOperationException();
    }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
