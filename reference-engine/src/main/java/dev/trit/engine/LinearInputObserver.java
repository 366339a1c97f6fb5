package dev.trit.engine;

/**
 * Sees the float input of every linear product of a forward pass, where a transformers forward
 * pre-hook on the module would: q/k/v after the input norm, o_proj after BitNet's attn_sub_norm,
 * gate/up after the MLP's input norm, down_proj after BitNet's ffn_sub_norm, lm_head after the final
 * norm; before activation quantization (BitNet) and before a linear's own RMSNorm (use_rms_norm),
 * which belong to the module. Set with {@link Transformer#observer}; null (the default) costs one check
 * per product. The observer must not keep or change {@code x}: it is the engine's scratch.
 */
@FunctionalInterface
public interface LinearInputObserver {
    /**
     * @param layer  decoder layer, or -1 for the LM head
     * @param x      rows 0 .. tokens-1 of cols floats each, row-major from index 0
     * @param tokens the rows of this forward call (one call per window)
     */
    void observe(int layer, Projection linear, float[] x, int tokens, int cols);

    /** The linears of a decoder layer and the LM head, with their transformers module names. */
    enum Projection {
        Q("self_attn.q_proj"), K("self_attn.k_proj"), V("self_attn.v_proj"), O("self_attn.o_proj"),
        GATE("mlp.gate_proj"), UP("mlp.up_proj"), DOWN("mlp.down_proj"), LM_HEAD("lm_head");

        private final String module;

        Projection(String module) {
            this.module = module;
        }

        /** The transformers module name: "model.layers.L.self_attn.q_proj", or "lm_head". */
        public String moduleName(int layer) {
            return this == LM_HEAD ? module : "model.layers." + layer + "." + module;
        }
    }
}
