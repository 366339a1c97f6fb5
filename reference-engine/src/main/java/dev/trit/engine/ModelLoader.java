package dev.trit.engine;

import dev.trit.formats.DType;
import dev.trit.formats.GgmlType;
import dev.trit.formats.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Builds a {@link Transformer} from HF-named tensors (model.layers.N.self_attn.q_proj.weight, ...). */
public final class ModelLoader {
    private final ModelConfig config;
    private final WeightSource source;

    private ModelLoader(ModelConfig config, WeightSource source) {
        this.config = config;
        this.source = source;
    }

    /** Loads every weight; throws IllegalArgumentException naming the tensor when one is missing or misshaped. */
    public static Transformer load(ModelConfig config, WeightSource source, Kernels kernels) {
        return new ModelLoader(config, source).build(kernels, null);
    }

    /**
     * As {@link #load(ModelConfig, WeightSource, Kernels)}, with float weights left where the source
     * holds them (mapped): the source must stay open while the model lives; {@code resources} (what
     * keeps it open) is closed with the model.
     */
    public static Transformer load(ModelConfig config, WeightSource source, Kernels kernels, AutoCloseable resources) {
        return new ModelLoader(config, source).build(kernels, resources);
    }

    private Transformer build(Kernels kernels, AutoCloseable resources) {
        int h = config.hiddenSize(), ffn = config.intermediateSize();
        Matrix embedding = floatMatrix("model.embed_tokens.weight", config.vocabSize(), h);
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".";
            boolean oneBitLlm = config.architecture() == Architecture.BITNET_1BITLLM;
            String attnSub = oneBitLlm ? "self_attn.inner_attn_ln.weight" : "self_attn.attn_sub_norm.weight";
            String ffnSub = oneBitLlm ? "mlp.ffn_layernorm.weight" : "mlp.ffn_sub_norm.weight";
            layers.add(new DecoderLayer(
                    vector(p + "input_layernorm.weight", h),
                    linear(p + "self_attn.q_proj", config.qDim(), h),
                    linear(p + "self_attn.k_proj", config.kvDim(), h),
                    linear(p + "self_attn.v_proj", config.kvDim(), h),
                    linear(p + "self_attn.o_proj", h, config.qDim()),
                    config.subNorms() ? vector(p + attnSub, config.qDim()) : null,
                    vector(p + "post_attention_layernorm.weight", h),
                    linear(p + "mlp.gate_proj", ffn, h),
                    linear(p + "mlp.up_proj", ffn, h),
                    linear(p + "mlp.down_proj", h, ffn),
                    config.subNorms() ? vector(p + ffnSub, ffn) : null));
        }
        float[] norm = vector("model.norm.weight", h);
        // tied: transformers points lm_head at the embedding (a stored lm_head.weight is ignored)
        Matrix lmHead = config.tiedEmbeddings() ? embedding : floatMatrix("lm_head.weight", config.vocabSize(), h);
        return new Transformer(config, embedding, layers, norm, lmHead, kernels, resources);
    }

    private float[] vector(String name, int n) {
        TensorInfo t = source.require(name);
        checkShape(t, n);
        float[] v = FloatDecoder.read(t, source.data(t));
        source.release(t);
        return v;
    }

    private Matrix floatMatrix(String name, int rows, int cols) {
        TensorInfo t = source.require(name);
        checkShape(t, rows, cols);
        return stored(t, rows, cols);
    }

    /** A float matrix read in place in its stored precision, or widened onto the heap for other types. */
    private Matrix stored(TensorInfo t, int rows, int cols) {
        StoredMatrix.Encoding e = switch (t.type()) {
            case DType d when d == DType.F32 -> StoredMatrix.Encoding.F32;
            case DType d when d == DType.F16 -> StoredMatrix.Encoding.F16;
            case DType d when d == DType.BF16 -> StoredMatrix.Encoding.BF16;
            case GgmlType g when g == GgmlType.F32 -> StoredMatrix.Encoding.F32;
            case GgmlType g when g == GgmlType.F16 -> StoredMatrix.Encoding.F16;
            case GgmlType g when g == GgmlType.BF16 -> StoredMatrix.Encoding.BF16;
            case GgmlType g when g == GgmlType.Q8_0 && cols % 32 == 0 -> StoredMatrix.Encoding.Q8_0;
            case GgmlType g when g == GgmlType.Q4_0 && cols % 32 == 0 -> StoredMatrix.Encoding.Q4_0;
            case GgmlType g when g == GgmlType.Q6_K && cols % 256 == 0 -> StoredMatrix.Encoding.Q6_K;
            default -> null;
        };
        if (e == null) {
            FloatMatrix m = new FloatMatrix(rows, cols, FloatDecoder.read(t, source.data(t)));
            source.release(t);
            return m;
        }
        return new StoredMatrix(rows, cols, e, source.data(t), source.rowOrder(t));
    }

    /** A linear layer's weight [out, in] in the form the config's BitNet mode calls for. */
    private Matrix linear(String prefix, int out, int in) {
        TensorInfo t = source.require(prefix + ".weight");
        if (t.type() == DType.U8) {
            // transformers' packed layout: [out/4, in] bytes plus a one-element weight_scale
            checkShape(t, out / 4, in);
            if (out % 4 != 0) throw new IllegalArgumentException(prefix + ".weight: out_features " + out + " not a multiple of 4");
            TensorInfo s = source.require(prefix + ".weight_scale");
            float[] scale = FloatDecoder.read(s, source.data(s));
            if (scale.length != 1) throw new IllegalArgumentException(s.name() + ": expected one scale, found " + scale.length);
            float ws = scale[0];
            if (!(ws > 0) || Float.isInfinite(ws)) throw new IllegalArgumentException(s.name() + ": scale " + ws + " is not positive and finite");
            TernaryMatrix m = switch (config.ternaryMode()) {
                // bitlinear: weight_scale = 1/mean|W| is divided out, so the trits' multiplier is its inverse
                case PACKED_DIVIDE -> TernaryMatrix.fromHfPacked(source.data(t), out, in, 1f / ws);
                case PACKED_MULTIPLY -> TernaryMatrix.fromHfPacked(source.data(t), out, in, ws);
                case ONLINE, NONE -> throw new IllegalArgumentException(prefix + ".weight is packed uint8 but config.json declares "
                        + (config.ternaryMode() == TernaryMode.NONE ? "no BitNet quantization" : "online quantization"));
            };
            source.release(t);
            return m;
        }
        checkShape(t, out, in);
        Optional<TernaryMatrix> decoded = source.ternary(t);
        if (decoded.isPresent()) return decoded.get();
        return switch (config.ternaryMode()) {
            case NONE -> stored(t, out, in);
            case ONLINE -> {
                TernaryMatrix m = TernaryMatrix.ternarize(out, in, FloatDecoder.read(t, source.data(t)));
                source.release(t);
                yield m;
            }
            case PACKED_DIVIDE, PACKED_MULTIPLY -> throw new IllegalArgumentException(prefix + ".weight is " + t.type().label()
                    + " but config.json declares an offline (packed) BitNet checkpoint");
        };
    }

    private static void checkShape(TensorInfo t, long... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(t.name() + ": shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected));
        }
    }
}
