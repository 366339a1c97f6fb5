package dev.trit.converters;

import dev.trit.formats.family.Family;

/**
 * Gemma's norm weights: HF keeps w (its RMSNorm multiplies by 1 + w), llama.cpp's GGUF keeps 1 + w
 * ({@link Family#ggufNormsPlusOne()}). trit adds and subtracts in float32, as transformers forms 1 + w,
 * so the GGUF holds exactly the multiplier the HF model uses (llama.cpp adds 1 in the source dtype,
 * bf16, which rounds it) and the way back gives w again ((1 + w) - 1 is exact in float32 for w >= -0.5).
 */
final class NormShift {
    private NormShift() {
    }

    /** Whether a GGUF tensor of this family is a norm weight stored as 1 + w (convert_hf_to_gguf.py: every name ending norm.weight). */
    static boolean applies(Family f, String ggufName) {
        return f.ggufNormsPlusOne() && ggufName.endsWith("norm.weight");
    }

    static SourceTensor.RowReader<float[]> plusOne(SourceTensor.RowReader<float[]> r, long cols) {
        return shifted(r, cols, 1f);
    }

    static SourceTensor.RowReader<float[]> minusOne(SourceTensor.RowReader<float[]> r, long cols) {
        return shifted(r, cols, -1f);
    }

    private static SourceTensor.RowReader<float[]> shifted(SourceTensor.RowReader<float[]> r, long cols, float d) {
        return (row0, nrows, dst) -> {
            r.read(row0, nrows, dst);
            long n = nrows * cols;
            for (int i = 0; i < n; i++) dst[i] += d;
        };
    }
}
