package dev.trit.converters;

import dev.trit.formats.TernaryScales;
import java.io.IOException;

/**
 * One tensor of a model being converted, readable a range of rows at a time so conversions stream and
 * never hold a whole tensor. Names are GGUF's ({@link dev.trit.formats.TensorNames}); shapes are row-major, outermost
 * first, in Hugging Face orientation (llama.cpp's Q/K row permutation undone). A 1-D tensor is one row.
 */
public sealed interface SourceTensor permits SourceTensor.Floats, SourceTensor.Ternary {
    String name();

    long[] shape();

    /** Bytes this tensor takes in the source file (for throughput and the size summary). */
    long sourceBytes();

    /** The storage type label in the source ("F16", "U8", "TQ2_0"). */
    String sourceType();

    default long cols() {
        long[] s = shape();
        return s[s.length - 1];
    }

    default long rows() {
        long[] s = shape();
        long r = 1;
        for (int i = 0; i < s.length - 1; i++) r *= s[i];
        return r;
    }

    default long elements() {
        return rows() * cols();
    }

    @FunctionalInterface
    interface RowReader<A> {
        /** Fills dst[0 .. nrows * cols) with rows row0 .. row0 + nrows. */
        void read(long row0, int nrows, A dst) throws IOException;
    }

    /** A floating-point tensor. */
    record Floats(String name, long[] shape, long sourceBytes, String sourceType, RowReader<float[]> reader)
            implements SourceTensor {
    }

    /**
     * A ternary tensor: weight = trit * scale, one scale for the whole tensor. {@code inverse} is the
     * multiplier that made the weights ternary (transformers' weight_scale for bitlinear), kept exactly
     * when the source has it so a round trip to HF reproduces the stored bf16 value; else 1/scale.
     * {@code layout}, when not null, gives the scales of a ternary-valued float tensor with several
     * (TriLM's per-shard scales, in HF row order): weight (r, c) = trit * layout.scaleAt(r, c), and
     * {@code scale} is then its first nonzero scale only.
     */
    record Ternary(String name, long[] shape, long sourceBytes, String sourceType, RowReader<byte[]> reader, float scale,
                   float inverse, RowReader<float[]> values, TernaryScales layout) implements SourceTensor {
        public Ternary(String name, long[] shape, long sourceBytes, String sourceType, RowReader<byte[]> reader, float scale, float inverse) {
            this(name, shape, sourceBytes, sourceType, reader, scale, inverse, null, null);
        }

        public Ternary(String name, long[] shape, long sourceBytes, String sourceType, RowReader<byte[]> reader, float scale, float inverse,
                       RowReader<float[]> values) {
            this(name, shape, sourceBytes, sourceType, reader, scale, inverse, values, null);
        }

        /** How many distinct nonzero scales the tensor has (1 unless a layout says more). */
        public int scaleCount() {
            return layout == null ? 1 : layout.distinctScales().length;
        }

        /**
         * The effective weights as floats: trit * scale, or, when the source knows them, its own
         * values, which may differ from those only in the sign of zero (llama.cpp writes
         * round(w * s) / s, so a small negative latent weight becomes -0.0 in its F16 files).
         */
        public RowReader<float[]> asFloats() {
            if (values != null) return values;
            return (row0, nrows, dst) -> {
                int n = Math.toIntExact(nrows * cols());
                byte[] t = new byte[n];
                reader.read(row0, nrows, t);
                for (int i = 0; i < n; i++) dst[i] = t[i] * scale;
            };
        }
    }
}
