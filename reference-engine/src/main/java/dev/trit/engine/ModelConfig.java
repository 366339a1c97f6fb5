package dev.trit.engine;

import dev.trit.formats.FormatException;
import dev.trit.formats.HfConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape and numerics of a decoder-only model, derived from a Hugging Face config.json.
 *
 * @param subNorms    whether an RMSNorm sits before o_proj and before down_proj (BitNet sub-LN)
 * @param ternaryMode how the linear weights are (or become) ternary; NONE for float linears
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        double ropeTheta,
        float rmsNormEps,
        boolean tiedEmbeddings,
        Activation activation,
        boolean subNorms,
        TernaryMode ternaryMode,
        int bosTokenId,
        int eosTokenId,
        int maxPositions) {

    public ModelConfig {
        if (hiddenSize <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || intermediateSize <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim " + headDim + " must be even for RoPE");
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

    /** Reads {@code config.json} of an HF model directory (or the file itself). */
    public static ModelConfig read(Path configJson) throws IOException {
        HfConfig hf = HfConfig.read(configJson);
        Path file = Files.isDirectory(configJson) ? configJson.resolve("config.json") : configJson;
        try {
            return from(hf);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
    }

    /** Derives the engine's view of a model from its HF config; IllegalArgumentException if unsupported. */
    public static ModelConfig from(HfConfig c) {
        if (c.architectures().isEmpty()) throw new IllegalArgumentException("config has no architectures");
        Architecture arch = Architecture.fromHfName(c.architectures().getFirst());
        if (c.ropeType().isPresent() && !c.ropeType().get().equals("default")) {
            throw new IllegalArgumentException("rope type " + c.ropeType().get() + " is not supported");
        }
        TernaryMode mode = switch (arch) {
            case LLAMA -> TernaryMode.NONE;
            case BITNET_1BITLLM -> TernaryMode.ONLINE; // its BitLinear always quantizes the latent weights
            case BITNET -> c.quantizationConfig().map(ModelConfig::bitnetMode).orElse(TernaryMode.NONE); // no config: nn.Linear
        };
        return new ModelConfig(arch, c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                c.intermediateSize(), c.vocabSize(), c.ropeTheta(), (float) c.rmsNormEps(), c.tieWordEmbeddings(),
                Activation.fromHfName(c.hiddenAct()), arch != Architecture.LLAMA, mode,
                c.bosTokenId().orElse(1), c.eosTokenId().orElse(2), c.maxPositionEmbeddings());
    }

    private static TernaryMode bitnetMode(HfConfig.QuantizationConfig q) {
        if (!q.quantMethod().equals("bitnet")) throw new IllegalArgumentException("quant_method " + q.quantMethod() + " is not supported");
        String cls = q.linearClass().orElse("bitlinear");
        String mode = q.quantizationMode().orElse("offline");
        if (cls.equals("bitlinear")) return TernaryMode.PACKED_DIVIDE;
        if (cls.equals("autobitlinear")) return mode.equals("online") ? TernaryMode.ONLINE : TernaryMode.PACKED_MULTIPLY;
        throw new IllegalArgumentException("unknown quantization_config.linear_class " + cls);
    }
}
