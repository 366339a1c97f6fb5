package dev.trit.formats;

/**
 * A tensor as a GGUF file describes it, next to the format-neutral {@link TensorInfo}.
 *
 * @param info           name, type, row-major shape (ne reversed), absolute offset, byte size
 * @param ne             ggml's dimensions, innermost first (ne[0] is the row length)
 * @param relativeOffset the offset GGUF stores, relative to the start of the data section
 */
public record GgufTensor(TensorInfo info, long[] ne, long relativeOffset) {
    public GgufTensor {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public String name() {
        return info.name();
    }

    public GgmlType type() {
        return (GgmlType) info.type();
    }

    /** The row-major shape, outermost first: ne reversed. */
    public static long[] shapeOf(long[] ne) {
        long[] shape = new long[ne.length];
        for (int i = 0; i < ne.length; i++) shape[i] = ne[ne.length - 1 - i];
        return shape;
    }
}
