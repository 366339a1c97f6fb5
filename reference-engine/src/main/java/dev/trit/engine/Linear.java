package dev.trit.engine;

/**
 * One projection of a decoder layer: its weight, and what some families add around it.
 *
 * @param bias      null, or added to every output row (for AutoBitLinear offline already multiplied by
 *                  weight_scale, which transformers applies after the bias)
 * @param inputNorm null, or the weight of an RMSNorm applied to this linear's input first
 *                  (quantization_config {@code use_rms_norm})
 * @param int8Input whether a float weight meets its input quantized as BitLinear's activation_quant does
 *                  (per token absmax int8, fake-quantized: rint(x * s) clamped to [-128, 127], then / s in
 *                  float, s = 127 / max(max|x|, 1e-5)): a latent BitNet linear loaded un-ternarized
 *                  ({@link ModelLoader} with latent weights). A ternary weight always quantizes its input
 *                  (its kernel works on the int8 values); for any other linear this is false
 */
public record Linear(Matrix weight, float[] bias, float[] inputNorm, boolean int8Input) {
    public Linear(Matrix weight, float[] bias, float[] inputNorm) {
        this(weight, bias, inputNorm, false);
    }

    /** This linear with another weight, its bias, input norm and activation quantization kept. */
    public Linear withWeight(Matrix w) {
        return new Linear(w, bias, inputNorm, int8Input);
    }

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
