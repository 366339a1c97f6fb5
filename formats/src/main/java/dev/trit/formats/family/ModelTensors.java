package dev.trit.formats.family;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tensors a model as configured reads, in transformers' names, with their shapes as transformers holds
 * them (a linear's weight [out_features, in_features], a norm's [n]): derived here once from the
 * {@link ModelSpec}, so that the engine's loader and the converters agree on what a checkpoint must hold. A
 * packed BitLinear weight is stored [out/4, in] (four trits a byte) beside a {@code .weight_scale}; its shape here
 * is the unpacked one.
 */
public final class ModelTensors {
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final ModelSpec spec;

    private ModelTensors(ModelSpec spec) {
        this.spec = spec;
    }

    /** What {@code spec}'s model reads, in the order transformers' modules are built. */
    public static ModelTensors of(ModelSpec spec) {
        ModelTensors m = new ModelTensors(spec);
        long h = spec.hiddenSize(), ffn = spec.intermediateSize(), q = spec.qDim(), kv = spec.kvDim();
        m.put("model.embed_tokens.weight", spec.vocabSize(), h);
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            m.put(p + "input_layernorm.weight", h);
            m.linear(p + "self_attn.q_proj", q, h, spec.qkvBias());
            m.linear(p + "self_attn.k_proj", kv, h, spec.qkvBias());
            m.linear(p + "self_attn.v_proj", kv, h, spec.qkvBias());
            m.linear(p + "self_attn.o_proj", h, q, spec.oBias());
            if (spec.qkNorm()) {
                m.put(p + "self_attn.q_norm.weight", spec.headDim());
                m.put(p + "self_attn.k_norm.weight", spec.headDim());
            }
            if (spec.subNorms()) m.put(p + spec.family().attnSubNorm(), q);
            m.put(p + "post_attention_layernorm.weight", h);
            if (spec.sandwichNorms()) {
                m.put(p + "pre_feedforward_layernorm.weight", h);
                m.put(p + "post_feedforward_layernorm.weight", h);
            }
            m.linear(p + "mlp.gate_proj", ffn, h, spec.mlpBias());
            m.linear(p + "mlp.up_proj", ffn, h, spec.mlpBias());
            m.linear(p + "mlp.down_proj", h, ffn, spec.mlpBias());
            if (spec.subNorms()) m.put(p + spec.family().ffnSubNorm(), ffn);
        }
        m.put("model.norm.weight", h);
        // tied: transformers points lm_head at the embedding, and a stored lm_head.weight is not read
        if (!spec.tiedEmbeddings()) m.put("lm_head.weight", spec.vocabSize(), h);
        return m;
    }

    private void put(String name, long... shape) {
        shapes.put(name, shape);
    }

    private void linear(String prefix, long out, long in, boolean bias) {
        put(prefix + ".weight", out, in);
        if (bias) put(prefix + ".bias", out);
        // use_rms_norm: BitLinear normalizes its own input with a weighted RMSNorm
        if (spec.linears().ternary(prefix) && spec.linears().inputNorm()) put(prefix + ".rms_norm.weight", in);
    }

    /** Names in the order of the model's modules. */
    public Set<String> names() {
        return Collections.unmodifiableSet(shapes.keySet());
    }

    public boolean has(String name) {
        return shapes.containsKey(name);
    }

    /** The shape of a tensor the model reads; IllegalArgumentException when it reads none of that name. */
    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("the " + spec.family().name() + " model as configured has no tensor " + name);
        return s.clone();
    }

    /**
     * Tensors a checkpoint may hold that the model does not read: a tied model's {@code lm_head.weight}
     * (transformers ties it to the embedding), RoPE's cached {@code inv_freq} (computed from the config), and
     * a BitLinear weight's {@code weight_scale} (read with its weight).
     */
    public boolean ignorable(String name) {
        if (name.equals("lm_head.weight")) return spec.tiedEmbeddings();
        if (name.endsWith("rotary_emb.inv_freq")) return true;
        if (name.endsWith(".weight_scale")) {
            String prefix = name.substring(0, name.length() - ".weight_scale".length());
            return shapes.containsKey(prefix + ".weight") && spec.linears().ternary(prefix);
        }
        return false;
    }

    /**
     * Checks one stored tensor (its unpacked shape) against the model: empty when it is what the model reads
     * or may be ignored, else why not, in a sentence naming the tensor.
     */
    public Optional<String> mismatch(String name, long[] shape) {
        long[] want = shapes.get(name);
        if (want == null) {
            return ignorable(name) ? Optional.empty()
                    : Optional.of("tensor " + name + " is not part of the " + spec.family().name() + " model its config describes");
        }
        // a one-element vector may be stored as a scalar
        if (Arrays.equals(want, shape) || (want.length == 1 && shape.length == 0 && want[0] == 1)) return Optional.empty();
        return Optional.of("tensor " + name + " has shape " + Arrays.toString(shape) + " but its config makes it " + Arrays.toString(want));
    }
}
