package dev.trit.formats.family;

import java.util.List;

/**
 * How the decoder's linear layers (q/k/v/o/gate/up/down) compute, from {@code quantization_config}
 * exactly as transformers' {@code integrations/bitnet.py} replaces them, whatever the architecture.
 *
 * @param kind          float, or which BitLinear
 * @param inputNorm     {@code use_rms_norm}: a weighted RMSNorm ({@code <linear>.rms_norm.weight}) on the
 *                      linear's input before activation quantization
 * @param inputNormEps  its epsilon ({@code quantization_config.rms_norm_eps})
 * @param notConverted  {@code modules_to_not_convert} (with transformers' default "lm_head"): a module whose
 *                      dotted name contains one of these stays a float nn.Linear
 */
public record LinearSpec(Kind kind, boolean inputNorm, float inputNormEps, List<String> notConverted) {
    public enum Kind {
        /** nn.Linear. */
        FLOAT,
        /**
         * {@code BitLinear} ({@code linear_class: bitlinear}, the default): packed trits, per-token int8
         * activations; the output is divided by {@code weight_scale} (= 1/mean|W|), then the bias added.
         */
        BITLINEAR,
        /**
         * {@code AutoBitLinear} offline ({@code autobitlinear} + {@code offline}): trits (packed or as
         * floats), int8 fake-quantized activations; bias added before the output is multiplied by
         * {@code weight_scale}.
         */
        AUTOBITLINEAR_OFFLINE,
        /**
         * Latent float weights ternarized at load (absmean: {@code autobitlinear} + {@code online}, and
         * the 1bitLLM reproduction models' own BitLinear), int8 activations.
         */
        ONLINE
    }

    public LinearSpec {
        notConverted = List.copyOf(notConverted);
    }

    public static final LinearSpec FLOAT = new LinearSpec(Kind.FLOAT, false, 0f, List.of());

    /**
     * The linears a config's {@code quantization_config} declares (FLOAT without one), read alone: for
     * tools that move tensors (converters) and need no more of the model than which linears are BitLinear.
     */
    public static LinearSpec of(dev.trit.formats.HfConfig c) {
        return SpecBuilder.linearSpec(new ConfigKeys(c, c.architectures().isEmpty() ? "model" : c.architectures().getFirst()));
    }

    public boolean ternary() {
        return kind != Kind.FLOAT;
    }

    /** Whether the linear at this HF module path (e.g. {@code model.layers.0.mlp.down_proj}) is a BitLinear. */
    public boolean ternary(String modulePath) {
        if (kind == Kind.FLOAT) return false;
        for (String m : notConverted) if (modulePath.contains(m)) return false;
        return true;
    }

    /** A short description for inspect/analyze. */
    public String describe() {
        return switch (kind) {
            case FLOAT -> "float";
            case BITLINEAR -> "BitLinear (packed trits, weight_scale divides; int8 activations)";
            case AUTOBITLINEAR_OFFLINE -> "AutoBitLinear offline (trits, weight_scale multiplies; int8 activations)";
            case ONLINE -> "BitLinear online (latent weights ternarized at load by absmean; int8 activations)";
        } + (inputNorm ? " + per-linear RMSNorm" : "");
    }
}
