package dev.trit.formats;

/** ggml tensor types (PLACEHOLDER: to be completed by the GGUF work). */
public enum GgmlType implements TensorType {
    F32(0, 1, 4), F16(1, 1, 2);

    private final int id, blockSize, blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    @Override
    public String label() {
        return name();
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int blockBytes() {
        return blockBytes;
    }
}
