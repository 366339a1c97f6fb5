package dev.trit.formats.family;

import java.util.List;

/**
 * Everything that decides how a decoder-only model computes, as data: shapes and every numeric choice.
 * Made once per checkpoint by its {@link Family} (from config.json or GGUF metadata) and read by the
 * engine's loader and forward pass, the converters and {@code trit inspect}/{@code analyze} — none of
 * them looks at an architecture name.
 *
 * @param normPlusOne     RMSNorm scales by (1 + w) (Gemma) rather than w
 * @param qkNorm          an RMSNorm over each head of q and k before RoPE (Qwen 3, Gemma 3)
 * @param sandwichNorms   Gemma 3: the attention and MLP outputs are normed before the residual add
 *                        ({@code post_attention_layernorm}, {@code post_feedforward_layernorm}), the MLP input by
 *                        {@code pre_feedforward_layernorm}; otherwise {@code post_attention_layernorm} is the MLP's input norm
 * @param subNorms        BitNet: an RMSNorm on the attention output before o_proj and on act(gate)·up before down_proj
 * @param qkvBias         q/k/v projections have biases (Qwen 2, {@code attention_bias})
 * @param oBias           o_proj has a bias ({@code attention_bias} of LLaMA-style configs)
 * @param mlpBias         gate/up/down have biases ({@code mlp_bias})
 * @param embeddingScale  the embedding rows are multiplied by this on input (Gemma: sqrt(hidden)); 1 otherwise
 * @param attentionScale  multiplies q·k before the softmax (1/sqrt(head_dim), Gemma: query_pre_attn_scalar^-1/2)
 * @param attnSoftcap     0, or attention scores become cap·tanh(s/cap)
 * @param finalSoftcap    0, or logits become cap·tanh(l/cap)
 * @param layerSpecs      per layer: sliding window and RoPE
 */
public record ModelSpec(
        Family family,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        float rmsNormEps,
        boolean normPlusOne,
        boolean qkNorm,
        boolean sandwichNorms,
        boolean subNorms,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        Activation activation,
        float embeddingScale,
        boolean tiedEmbeddings,
        float attentionScale,
        float attnSoftcap,
        float finalSoftcap,
        List<LayerSpec> layerSpecs,
        LinearSpec linears,
        int bosTokenId,
        int eosTokenId,
        int maxPositions) {

    public ModelSpec {
        if (hiddenSize <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || intermediateSize <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim " + headDim + " must be even for RoPE");
        layerSpecs = List.copyOf(layerSpecs);
        if (layerSpecs.size() != layers) throw new IllegalArgumentException(layerSpecs.size() + " layer specs for " + layers + " layers");
        if (attnSoftcap < 0 || finalSoftcap < 0) throw new IllegalArgumentException("soft-capping values must be positive");
    }

    /**
     * More layers than any model has (the deepest published ones have a few hundred): a count past it is a
     * corrupt config, refused before per-layer lists are sized by it.
     */
    public static final int MAX_LAYERS = 4096;

    /** A config's layer count, checked before anything is sized by it. */
    public static int layerCount(String key, long n) {
        if (n <= 0 || n > MAX_LAYERS) throw new IllegalArgumentException(key + " is " + n + ", not a layer count (1 to " + MAX_LAYERS + ")");
        return (int) n;
    }

    /** Query heads that share one key/value head (repeat_kv's n_rep). */
    public int groupSize() {
        return heads / kvHeads;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int qDim() {
        return heads * headDim;
    }

    /** Whether the decoder's projections are BitLinear layers (ternary weights, int8 activations). */
    public boolean ternary() {
        return linears.ternary();
    }

    /** The same model with other linears (a GGUF's ternary tensors, say). */
    public ModelSpec withLinears(LinearSpec l) {
        return new ModelSpec(family, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize, vocabSize, rmsNormEps, normPlusOne, qkNorm,
                sandwichNorms, subNorms, qkvBias, oBias, mlpBias, activation, embeddingScale, tiedEmbeddings, attentionScale, attnSoftcap,
                finalSoftcap, layerSpecs, l, bosTokenId, eosTokenId, maxPositions);
    }

    /**
     * The model's first {@code n} layers with the first {@code vocab} rows of its embedding and head: the
     * same kernels on less data (the engine's warm-up model, compiled while the whole model loads). BOS and EOS
     * are taken modulo vocab so that they stay rows of the shortened embedding.
     */
    public ModelSpec firstLayers(int n, int vocab) {
        return new ModelSpec(family, hiddenSize, n, heads, kvHeads, headDim, intermediateSize, vocab, rmsNormEps, normPlusOne, qkNorm,
                sandwichNorms, subNorms, qkvBias, oBias, mlpBias, activation, embeddingScale, tiedEmbeddings, attentionScale, attnSoftcap,
                finalSoftcap, layerSpecs.subList(0, n), linears, bosTokenId % vocab, eosTokenId % vocab, maxPositions);
    }

    /** The same model whose norm weights already hold (1 + w) (llama.cpp's Gemma files), or the reverse. */
    public ModelSpec withNormPlusOne(boolean plusOne) {
        return new ModelSpec(family, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize, vocabSize, rmsNormEps, plusOne, qkNorm,
                sandwichNorms, subNorms, qkvBias, oBias, mlpBias, activation, embeddingScale, tiedEmbeddings, attentionScale, attnSoftcap,
                finalSoftcap, layerSpecs, linears, bosTokenId, eosTokenId, maxPositions);
    }
}
