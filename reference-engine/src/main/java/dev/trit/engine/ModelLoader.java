package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.DType;
import dev.trit.formats.GgmlType;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.family.LinearSpec;
import dev.trit.formats.family.ModelTensors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Builds a {@link Transformer} from HF-named tensors (model.layers.N.self_attn.q_proj.weight, ...). */
public final class ModelLoader {
    private final ModelSpec config;
    /** The tensors config's model reads and their shapes (shared with the converters). */
    private final ModelTensors expected;
    private final WeightSource source;
    /** Names of the source's tensors read so far. */
    private final Set<String> used = new HashSet<>();
    /** Keep an online BitNet checkpoint's latent weights as float (see {@link #loadLatent}). */
    private final boolean latent;

    private ModelLoader(ModelSpec config, WeightSource source, boolean latent) {
        this.config = config;
        this.expected = ModelTensors.of(config);
        this.source = source;
        this.latent = latent;
    }

    /** Loads every weight; throws IllegalArgumentException naming the tensor when one is missing or misshaped. */
    public static Transformer load(ModelSpec config, WeightSource source, Kernels kernels) {
        return new ModelLoader(config, source, false).build(kernels, null);
    }

    /**
     * As {@link #load(ModelSpec, WeightSource, Kernels)}, with float weights left where the source
     * holds them (mapped): the source must stay open while the model lives; {@code resources} (what
     * keeps it open) is closed with the model.
     */
    public static Transformer load(ModelSpec config, WeightSource source, Kernels kernels, AutoCloseable resources) {
        return new ModelLoader(config, source, false).build(kernels, resources);
    }

    /**
     * As {@link #load(ModelSpec, WeightSource, Kernels, AutoCloseable)}, but a BitNet checkpoint with
     * latent weights that the model ternarizes at load (quantization_mode online: autobitlinear, or the
     * 1bitLLM models' BitLinear) keeps them un-ternarized: every BitLinear becomes a float linear over the
     * stored (bf16/f16/f32) latent weights whose input is still quantized per token to int8 as the
     * config says ({@link Linear#int8Input}). That is the model before post-training ternarization, the
     * source {@code trit sensitivity --source latent} measures ternarization against. Nothing else
     * changes (norms, bias, use_rms_norm, float linears). Checkpoints that hold no latent weights
     * (packed or offline trits, float models, ternary GGUF tensors) are refused.
     */
    public static Transformer loadLatent(ModelSpec config, WeightSource source, Kernels kernels, AutoCloseable resources) {
        if (config.linears().kind() != LinearSpec.Kind.ONLINE) {
            throw new IllegalArgumentException("no latent weights: the config's linears are " + config.linears().describe()
                    + " (latent weights exist only where the model ternarizes float weights at load: quantization_mode online)");
        }
        return new ModelLoader(config, source, true).build(kernels, resources);
    }

    private Transformer build(Kernels kernels, AutoCloseable resources) {
        Matrix embedding = floatMatrix("model.embed_tokens.weight");
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new DecoderLayer(
                    norm(p + "input_layernorm.weight"),
                    linear(p + "self_attn.q_proj"),
                    linear(p + "self_attn.k_proj"),
                    linear(p + "self_attn.v_proj"),
                    linear(p + "self_attn.o_proj"),
                    optionalNorm(p + "self_attn.q_norm.weight"),
                    optionalNorm(p + "self_attn.k_norm.weight"),
                    optionalNorm(p + config.family().attnSubNorm()),
                    norm(p + "post_attention_layernorm.weight"),
                    optionalNorm(p + "pre_feedforward_layernorm.weight"),
                    optionalNorm(p + "post_feedforward_layernorm.weight"),
                    linear(p + "mlp.gate_proj"),
                    linear(p + "mlp.up_proj"),
                    linear(p + "mlp.down_proj"),
                    optionalNorm(p + config.family().ffnSubNorm())));
        }
        float[] norm = norm("model.norm.weight");
        // tied: transformers points lm_head at the embedding (a stored lm_head.weight is ignored)
        Matrix lmHead = expected.has("lm_head.weight") ? floatMatrix("lm_head.weight") : embedding;
        if (config.tiedEmbeddings()) source.find("lm_head.weight").ifPresent(t -> used.add(t.name()));
        checkAllUsed();
        return new Transformer(config, embedding, layers, norm, lmHead, kernels, resources);
    }

    /** Every tensor of the checkpoint must have been read: one nobody reads may change the numerics elsewhere. */
    private void checkAllUsed() {
        for (String name : source.names()) {
            if (!used.contains(name)) throw new IllegalArgumentException("tensor " + name + " is not used by the " + config.family().name()
                    + " model as configured (refusing to run a model with weights trit would ignore)");
        }
    }

    /** A norm's weight, as (1 + w) for families whose RMSNorm scales so (computed once in float, as transformers does per call). */
    private float[] norm(String name) {
        int n = (int) expected.shape(name)[0];
        float[] w = vector(name, n);
        if (config.normPlusOne()) for (int i = 0; i < n; i++) w[i] = 1f + w[i];
        return w;
    }

    /** A norm the model as configured may lack (q/k norms, sub-norms, Gemma's sandwich norms): null then. */
    private float[] optionalNorm(String name) {
        return expected.has(name) ? norm(name) : null;
    }

    private TensorInfo require(String name) {
        TensorInfo t = source.require(name);
        used.add(t.name());
        return t;
    }

    private float[] vector(String name, int n) {
        TensorInfo t = require(name);
        checkShape(t, n);
        float[] v = FloatDecoder.read(t, source.data(t));
        source.release(t);
        return v;
    }

    private Matrix floatMatrix(String name) {
        long[] shape = expected.shape(name);
        int rows = (int) shape[0], cols = (int) shape[1];
        TensorInfo t = require(name);
        checkShape(t, rows, cols);
        return stored(t, rows, cols);
    }

    /** A float matrix read in place in its stored precision, or widened onto the heap for other types. */
    private Matrix stored(TensorInfo t, int rows, int cols) {
        StoredMatrix.Encoding e = switch (t.type()) {
            case DType d when d == DType.F32 -> StoredMatrix.Encoding.F32;
            case DType d when d == DType.F16 -> StoredMatrix.Encoding.F16;
            case DType d when d == DType.BF16 -> StoredMatrix.Encoding.BF16;
            case GgmlType g -> StoredMatrix.Encoding.of(g).filter(x -> cols % x.blockSize() == 0).orElse(null);
            default -> null;
        };
        if (e == null) {
            FloatMatrix m = new FloatMatrix(rows, cols, FloatDecoder.read(t, source.data(t)));
            source.release(t);
            return m;
        }
        return new StoredMatrix(rows, cols, e, source.data(t), source.rowOrder(t));
    }

    /** A projection: its weight [out, in] in the form the model's linear kind calls for, its bias and input norm. */
    private Linear linear(String prefix) {
        long[] shape = expected.shape(prefix + ".weight");
        int out = (int) shape[0], in = (int) shape[1];
        boolean hasBias = expected.has(prefix + ".bias");
        LinearSpec spec = config.linears();
        boolean ternary = spec.ternary(prefix);
        float scale = 1f;
        Matrix w;
        TensorInfo t = require(prefix + ".weight");
        if (t.type() == DType.U8) {
            // transformers' packed layout: [out/4, in] bytes plus a one-element weight_scale
            if (!ternary) throw new IllegalArgumentException(prefix + ".weight is packed uint8 but the config makes " + prefix + " a float nn.Linear"
                    + (spec.ternary() ? " (modules_to_not_convert)" : " (no BitNet quantization_config)"));
            if (out % 4 != 0) throw new IllegalArgumentException(prefix + ".weight: out_features " + out + " not a multiple of 4");
            checkShape(t, out / 4, in);
            scale = weightScale(prefix);
            w = switch (spec.kind()) {
                // bitlinear: weight_scale = 1/mean|W| is divided out, so the trits' multiplier is its inverse
                case BITLINEAR -> TernaryMatrix.fromHfPacked(source.data(t), out, in, 1f / scale);
                case AUTOBITLINEAR_OFFLINE -> TernaryMatrix.fromHfPacked(source.data(t), out, in, scale);
                case ONLINE -> throw new IllegalArgumentException(prefix + ".weight is packed uint8 but the config declares online quantization"
                        + " (latent float weights)");
                case FLOAT -> throw new IllegalStateException();
            };
            source.release(t);
        } else {
            checkShape(t, out, in);
            Optional<TernaryMatrix> decoded = ternary ? source.ternary(t) : Optional.empty();
            if (decoded.isPresent()) {
                if (latent) throw new IllegalArgumentException(prefix + ".weight is stored ternary (" + t.type().label() + "): no latent weights");
                w = decoded.get();
            } else if (!ternary) {
                w = stored(t, out, in);
            } else {
                w = switch (spec.kind()) {
                    case ONLINE -> {
                        if (latent) yield stored(t, out, in);
                        TernaryMatrix m = TernaryMatrix.ternarize(out, in, FloatDecoder.read(t, source.data(t)));
                        source.release(t);
                        yield m;
                    }
                    case BITLINEAR, AUTOBITLINEAR_OFFLINE -> throw new IllegalArgumentException(prefix + ".weight is " + t.type().label()
                            + " but the config declares an offline (packed) BitNet checkpoint");
                    case FLOAT -> throw new IllegalStateException();
                };
            }
        }
        float[] bias = null;
        if (hasBias) {
            bias = vector(prefix + ".bias", out);
            // AutoBitLinear offline: F.linear(x, W, bias) * weight_scale, so the bias is scaled too
            if (ternary && spec.kind() == LinearSpec.Kind.AUTOBITLINEAR_OFFLINE) for (int i = 0; i < out; i++) bias[i] *= scale;
        }
        float[] inputNorm = expected.has(prefix + ".rms_norm.weight") ? vector(prefix + ".rms_norm.weight", in) : null;
        return new Linear(w, bias, inputNorm, latent && ternary);
    }

    private float weightScale(String prefix) {
        TensorInfo s = require(prefix + ".weight_scale");
        float[] scale = FloatDecoder.read(s, source.data(s));
        if (scale.length != 1) throw new IllegalArgumentException(s.name() + ": expected one scale, found " + scale.length);
        float ws = scale[0];
        if (!(ws > 0) || Float.isInfinite(ws)) throw new IllegalArgumentException(s.name() + ": scale " + ws + " is not positive and finite");
        return ws;
    }

    private static void checkShape(TensorInfo t, long... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(t.name() + ": shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected));
        }
    }
}
