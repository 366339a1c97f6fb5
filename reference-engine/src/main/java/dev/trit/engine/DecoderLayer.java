package dev.trit.engine;

/**
 * The weights of one decoder layer. The sub-norms are null for LLaMA; for BitNet they normalize the
 * attention output before o_proj and the gated MLP activation before down_proj.
 */
public record DecoderLayer(
        float[] inputNorm,
        Matrix q, Matrix k, Matrix v, Matrix o,
        float[] attnSubNorm,
        float[] postAttentionNorm,
        Matrix gate, Matrix up, Matrix down,
        float[] ffnSubNorm) {
}
