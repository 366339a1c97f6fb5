package dev.trit.formats.family;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.formats.HfConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the LLaMA-like families share when reading config.json: shapes, RoPE and its scaling, token
 * ids, {@code quantization_config}. A family sets its defaults and features, then {@link #build}.
 * Keys read here count as understood; the family adds its own before {@link #build} checks the rest.
 */
final class SpecBuilder {
    final HfConfig c;
    final ConfigKeys keys;
    final Family family;
    final Set<String> understood = new HashSet<>(Set.of("rope_theta", "rope_parameters", "rope_scaling", "quantization_config"));

    int headDim;
    float eps;
    boolean normPlusOne, qkNorm, sandwichNorms, subNorms, qkvBias, oBias, mlpBias, tied;
    Activation activation;
    float embeddingScale = 1f, attentionScale, attnSoftcap, finalSoftcap;
    LinearSpec linears;
    /** Per layer: 0 (full) or the window; null means every layer full. */
    int[] windows;
    /** RoPE of full-attention layers, and of sliding ones (Gemma 3's local base); same unless set. */
    RopeSpec rope, slidingRope;

    SpecBuilder(Family family, HfConfig c, double defaultTheta, boolean defaultTied, double defaultEps) {
        this.c = c;
        this.family = family;
        this.keys = new ConfigKeys(c, family.name());
        this.headDim = c.headDim();
        JsonNode raw = c.raw();
        this.eps = (float) (raw.hasNonNull("rms_norm_eps") ? c.rmsNormEps() : defaultEps);
        this.tied = keys.bool("tie_word_embeddings").orElse(defaultTied);
        boolean thetaGiven = raw.hasNonNull("rope_theta")
                || (raw.path("rope_parameters").isObject() && raw.path("rope_parameters").hasNonNull("rope_theta"));
        this.rope = rope(thetaGiven ? c.ropeTheta() : defaultTheta);
        this.slidingRope = rope;
        this.linears = linearSpec(keys);
        this.attentionScale = (float) (1.0 / Math.sqrt(headDim));
    }

    /** hidden_act (or Gemma's hidden_activation) with the family's default. */
    SpecBuilder activation(String key, String defaultName) {
        understood.add(key);
        activation = Activation.fromHfName(keys.string(c.raw(), key).orElse(defaultName));
        return this;
    }

    /** {@code rope_parameters} (transformers 5) or {@code rope_scaling}: the scaling of the default frequencies. */
    private RopeSpec rope(double theta) {
        JsonNode p = keys.object("rope_parameters");
        JsonNode s = keys.object("rope_scaling");
        JsonNode r = p != null && !keys.string(p, "rope_type").orElse("default").equals("default") ? p : s != null ? s : p;
        if (r == null) return RopeSpec.plain(theta);
        String type = keys.string(r, "rope_type").or(() -> keys.string(r, "type")).orElse("default");
        return switch (type) {
            case "default" -> RopeSpec.plain(theta);
            case "linear" -> new RopeSpec(theta, RopeSpec.Type.LINEAR, need(r, "factor"), 0, 0, 0);
            case "llama3" -> new RopeSpec(theta, RopeSpec.Type.LLAMA3, need(r, "factor"), need(r, "low_freq_factor"),
                    need(r, "high_freq_factor"), (int) need(r, "original_max_position_embeddings"));
            default -> throw new IllegalArgumentException("rope type " + type + " is not implemented (implemented: default, linear, llama3)");
        };
    }

    private double need(JsonNode obj, String key) {
        return keys.number(obj, key).orElseThrow(() -> new IllegalArgumentException("rope scaling needs " + key));
    }

    /** {@code quantization_config} as transformers' bitnet integration reads it; float linears without one. */
    static LinearSpec linearSpec(ConfigKeys keys) {
        JsonNode q = keys.object("quantization_config");
        if (q == null) return LinearSpec.FLOAT;
        Set<String> known = Set.of("quant_method", "linear_class", "quantization_mode", "use_rms_norm", "rms_norm_eps", "modules_to_not_convert");
        for (var it = q.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) throw new IllegalArgumentException("quantization_config." + k + " is not implemented");
        }
        String method = keys.string(q, "quant_method").orElseThrow(() -> new IllegalArgumentException("quantization_config has no quant_method"));
        if (!method.equals("bitnet")) throw new IllegalArgumentException("quantization_config.quant_method " + method + " is not implemented (implemented: bitnet)");
        String cls = keys.string(q, "linear_class").orElse("bitlinear");
        String mode = keys.string(q, "quantization_mode").orElse("offline");
        if (!mode.equals("offline") && !mode.equals("online")) throw new IllegalArgumentException("quantization_config.quantization_mode " + mode + " is not implemented");
        LinearSpec.Kind kind = switch (cls) {
            case "bitlinear" -> {
                if (mode.equals("online")) throw new IllegalArgumentException("quantization_config: linear_class bitlinear with quantization_mode online is not a transformers layout");
                yield LinearSpec.Kind.BITLINEAR;
            }
            case "autobitlinear" -> mode.equals("online") ? LinearSpec.Kind.ONLINE : LinearSpec.Kind.AUTOBITLINEAR_OFFLINE;
            default -> throw new IllegalArgumentException("quantization_config.linear_class " + cls + " is not implemented (implemented: bitlinear, autobitlinear)");
        };
        boolean norm = false;
        JsonNode un = q.get("use_rms_norm");
        if (un != null && !un.isNull()) {
            if (!un.isBoolean()) throw new IllegalArgumentException("quantization_config.use_rms_norm is " + un + ", not true or false");
            norm = un.booleanValue();
        }
        double normEps = keys.number(q, "rms_norm_eps").orElse(1e-6);
        List<String> skip = new ArrayList<>(List.of("lm_head"));
        JsonNode m = q.get("modules_to_not_convert");
        if (m != null && !m.isNull()) {
            if (!m.isArray()) throw new IllegalArgumentException("quantization_config.modules_to_not_convert is " + m + ", not a list");
            for (JsonNode x : m) {
                if (!x.isTextual()) throw new IllegalArgumentException("quantization_config.modules_to_not_convert holds " + x + ", not a module name");
                if (!skip.contains(x.textValue())) skip.add(x.textValue());
            }
        }
        return new LinearSpec(kind, norm, (float) normEps, skip);
    }

    /** Sliding windows from transformers 5's {@code layer_types}, if present: true when given. */
    boolean layerTypes(int window) {
        understood.add("layer_types");
        JsonNode lt = c.raw().get("layer_types");
        if (lt == null || lt.isNull()) return false;
        if (!lt.isArray() || lt.size() != c.numHiddenLayers()) {
            throw new IllegalArgumentException("layer_types must list one type for each of the " + c.numHiddenLayers() + " layers");
        }
        windows = new int[c.numHiddenLayers()];
        for (int i = 0; i < windows.length; i++) {
            String t = lt.get(i).asText();
            windows[i] = switch (t) {
                case "full_attention" -> 0;
                case "sliding_attention" -> window;
                default -> throw new IllegalArgumentException("layer_types[" + i + "] " + t + " is not implemented (implemented: full_attention, sliding_attention)");
            };
            if (windows[i] == 0 && t.equals("sliding_attention")) throw new IllegalArgumentException("layer_types has sliding layers but sliding_window is not set");
        }
        return true;
    }

    Optional<Integer> window(String key) {
        understood.add(key);
        var w = keys.nonNegativeInt(c.raw(), key);
        return w.isPresent() && w.getAsInt() > 0 ? Optional.of(w.getAsInt()) : Optional.empty();
    }

    ModelSpec build() {
        keys.checkUnderstood(understood);
        List<LayerSpec> layers = new ArrayList<>();
        int n = ModelSpec.layerCount("num_hidden_layers", c.numHiddenLayers());
        for (int i = 0; i < n; i++) {
            int w = windows == null ? 0 : windows[i];
            layers.add(new LayerSpec(w, w > 0 ? slidingRope : rope));
        }
        int bos = c.bosTokenId().orElse(1), eos = c.eosTokenId().orElse(2);
        return new ModelSpec(family, c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), headDim,
                c.intermediateSize(), c.vocabSize(), eps, normPlusOne, qkNorm, sandwichNorms, subNorms, qkvBias, oBias, mlpBias, activation,
                embeddingScale, tied, attentionScale, attnSoftcap, finalSoftcap, layers, linears, bos, eos, c.maxPositionEmbeddings());
    }
}
