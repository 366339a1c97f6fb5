package dev.trit.engine;

/**
 * One projection of a decoder layer: its weight, and what some families add around it.
 *
 * @param bias      null, or added to every output row (for AutoBitLinear offline already multiplied by
 *                  weight_scale, which transformers applies after the bias)
 * @param inputNorm null, or the weight of an RMSNorm applied to this linear's input first
 *                  (quantization_config {@code use_rms_norm})
 */
public record Linear(Matrix weight, float[] bias, float[] inputNorm) {
    public Linear {
        if (bias != null && bias.length != weight.rows()) throw new IllegalArgumentException("bias of " + bias.length + " for " + weight.rows() + " rows");
        if (inputNorm != null && inputNorm.length != weight.cols()) {
            throw new IllegalArgumentException("input norm of " + inputNorm.length + " for " + weight.cols() + " columns");
        }
    }

    public static Linear of(Matrix weight) {
        return new Linear(weight, null, null);
    }

    /** Whether only the weight matters (no bias, no norm of its own): such products can share their input. */
    public boolean plain() {
        return bias == null && inputNorm == null;
    }
}
