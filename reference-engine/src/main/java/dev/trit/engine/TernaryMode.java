package dev.trit.engine;

/**
 * How a checkpoint's linear weights become ternary, as transformers decides from
 * {@code quantization_config} (integrations/bitnet.py).
 */
public enum TernaryMode {
    /** Not a BitNet checkpoint: float linears. */
    NONE,
    /** {@code linear_class: bitlinear}: packed uint8 weights; weight_scale = 1/mean|W| divides the output. */
    PACKED_DIVIDE,
    /** {@code linear_class: autobitlinear, quantization_mode: offline}: packed weights; weight_scale multiplies. */
    PACKED_MULTIPLY,
    /** Latent float weights ternarized at load (autobitlinear online, or the 1bitLLM models). */
    ONLINE
}
