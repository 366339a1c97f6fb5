package dev.trit.engine;

/**
 * The weights of one decoder layer; a norm a family does not have is null.
 *
 * @param qNorm, kNorm        RMSNorm over each head of q and k before RoPE (Qwen 3, Gemma 3)
 * @param attnSubNorm         BitNet: on the attention output before o_proj
 * @param postAttentionNorm   LLaMA-like: the MLP's input norm; Gemma 3: on the attention output before the residual add
 * @param preFeedforwardNorm  Gemma 3: the MLP's input norm
 * @param postFeedforwardNorm Gemma 3: on the MLP output before the residual add
 * @param ffnSubNorm          BitNet: on act(gate)·up before down_proj
 */
public record DecoderLayer(
        float[] inputNorm,
        Linear q, Linear k, Linear v, Linear o,
        float[] qNorm, float[] kNorm,
        float[] attnSubNorm,
        float[] postAttentionNorm,
        float[] preFeedforwardNorm,
        float[] postFeedforwardNorm,
        Linear gate, Linear up, Linear down,
        float[] ffnSubNorm) {
}
