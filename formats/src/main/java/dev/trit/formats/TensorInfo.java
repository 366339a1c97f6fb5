package dev.trit.formats;

import java.util.Arrays;

/**
 * One tensor of a model file.
 *
 * @param name     the tensor's name in the file
 * @param type     its storage type
 * @param shape    dimensions in row-major order, outermost first (numpy/PyTorch order; a GGUF
 *                 tensor's ne[] reversed), so a linear weight is [out, in] in both formats
 * @param offset   absolute byte offset of its data in the file
 * @param byteSize bytes of its data
 */
public record TensorInfo(String name, TensorType type, long[] shape, long offset, long byteSize) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** Number of elements (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && type.equals(t.type)
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type.label() + Arrays.toString(shape);
    }
}
