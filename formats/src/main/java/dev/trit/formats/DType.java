package dev.trit.formats;

/** The element types of safetensors files (PLACEHOLDER: to be completed by the safetensors work). */
public enum DType implements TensorType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    @Override
    public String label() {
        return name();
    }

    @Override
    public int blockSize() {
        return 1;
    }

    @Override
    public int blockBytes() {
        return bytes;
    }
}
