package dev.trit.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        Path file = Files.isDirectory(configJson) ? configJson.resolve("config.json") : configJson;
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Builds the config from a parsed HF config.json, with the defaults of transformers' LlamaConfig. */
    public static ModelConfig fromJson(JsonNode c) {
        JsonNode archs = c.path("architectures");
        if (!archs.isArray() || archs.isEmpty()) throw new IllegalArgumentException("config has no architectures");
        Architecture arch = Architecture.fromHfName(archs.get(0).asText());
        int hidden = req(c, "hidden_size");
        int heads = req(c, "num_attention_heads");
        int kvHeads = c.path("num_key_value_heads").isNumber() ? c.get("num_key_value_heads").asInt() : heads;
        int headDim = c.path("head_dim").isNumber() ? c.get("head_dim").asInt() : hidden / heads;
        double theta = 10000.0;
        if (c.path("rope_parameters").path("rope_theta").isNumber()) theta = c.get("rope_parameters").get("rope_theta").asDouble();
        else if (c.path("rope_theta").isNumber()) theta = c.get("rope_theta").asDouble();
        String ropeType = c.path("rope_parameters").path("rope_type").asText("default");
        if (!ropeType.equals("default") || (c.hasNonNull("rope_scaling") && !c.get("rope_scaling").isNull())) {
            throw new IllegalArgumentException("rope scaling (" + ropeType + ") is not supported");
        }
        float eps = (float) c.path("rms_norm_eps").asDouble(1e-6);
        boolean tied = c.path("tie_word_embeddings").asBoolean(false);
        Activation act = Activation.fromHfName(c.path("hidden_act").asText("silu"));
        boolean subNorms = arch != Architecture.LLAMA;
        TernaryMode mode = switch (arch) {
            case LLAMA -> TernaryMode.NONE;
            case BITNET_1BITLLM -> TernaryMode.ONLINE; // its BitLinear always quantizes the latent weights
            case BITNET -> bitnetMode(c.path("quantization_config"));
        };
        return new ModelConfig(arch, hidden, req(c, "num_hidden_layers"), heads, kvHeads, headDim,
                req(c, "intermediate_size"), req(c, "vocab_size"), theta, eps, tied, act, subNorms, mode,
                c.path("bos_token_id").asInt(1), firstInt(c.path("eos_token_id"), 2),
                c.path("max_position_embeddings").asInt(2048));
    }

    private static TernaryMode bitnetMode(JsonNode q) {
        if (q.isMissingNode() || q.isNull()) return TernaryMode.NONE; // transformers keeps nn.Linear then
        String cls = q.path("linear_class").asText("bitlinear");
        String mode = q.path("quantization_mode").asText("offline");
        if (cls.equals("bitlinear")) return TernaryMode.PACKED_DIVIDE;
        if (cls.equals("autobitlinear")) return mode.equals("online") ? TernaryMode.ONLINE : TernaryMode.PACKED_MULTIPLY;
        throw new IllegalArgumentException("unknown quantization_config.linear_class " + cls);
    }

    private static int firstInt(JsonNode n, int dflt) {
        if (n.isArray()) return n.isEmpty() ? dflt : n.get(0).asInt();
        return n.isNumber() ? n.asInt() : dflt;
    }

    private static int req(JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null || !n.isNumber()) throw new IllegalArgumentException("config lacks numeric " + key);
        return n.asInt();
    }
}
