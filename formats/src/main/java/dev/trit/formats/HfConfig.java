package dev.trit.formats;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The parts of a Hugging Face {@code config.json} the converters and the engine use, with
 * transformers' defaults for keys a config leaves out. {@link #raw} keeps the whole JSON object so
 * converters can copy keys this record does not model.
 *
 * @param ropeTheta   from {@code rope_parameters.rope_theta} (transformers 5), else {@code rope_theta}
 * @param ropeType    {@code rope_parameters.rope_type} or {@code rope_scaling.rope_type/type}, if any
 * @param dtype       {@code dtype} (transformers 5) or {@code torch_dtype}, e.g. "bfloat16"
 * @param bosTokenIds {@code bos_token_id}, which may be an integer or a list (empty if null/absent)
 * @param eosTokenIds {@code eos_token_id}, likewise
 */
public record HfConfig(
        List<String> architectures,
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        Optional<String> ropeType,
        int maxPositionEmbeddings,
        String hiddenAct,
        boolean tieWordEmbeddings,
        List<Integer> bosTokenIds,
        List<Integer> eosTokenIds,
        Optional<String> dtype,
        OptionalInt weightBits,
        OptionalInt inputBits,
        Optional<QuantizationConfig> quantizationConfig,
        JsonNode raw) {

    /**
     * {@code quantization_config}: for BitNet, quant_method "bitnet", linear_class "bitlinear" or
     * "autobitlinear", quantization_mode "offline" or "online".
     */
    public record QuantizationConfig(String quantMethod, Optional<String> linearClass, Optional<String> quantizationMode,
                                     JsonNode raw) {
    }

    public HfConfig {
        architectures = List.copyOf(architectures);
        bosTokenIds = List.copyOf(bosTokenIds);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The first BOS id, if any. */
    public OptionalInt bosTokenId() {
        return bosTokenIds.isEmpty() ? OptionalInt.empty() : OptionalInt.of(bosTokenIds.getFirst());
    }

    /** The first EOS id, if any. */
    public OptionalInt eosTokenId() {
        return eosTokenIds.isEmpty() ? OptionalInt.empty() : OptionalInt.of(eosTokenIds.getFirst());
    }

    /** Reads {@code config.json} (the file itself, or a model directory holding it). */
    public static HfConfig read(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve("config.json") : fileOrDir;
        return parse(file, JsonFiles.readObject(file));
    }

    /** Interprets a parsed config object; {@code file} is named in errors. */
    public static HfConfig parse(Path file, JsonNode root) throws FormatException {
        Keys k = new Keys(file, root);
        String modelType = k.string("model_type").orElseThrow(() -> k.missing("model_type"));
        // Defaults of transformers' config classes for keys a config.json omits: BitNetConfig for
        // "bitnet", LlamaConfig otherwise (the only families trit runs).
        boolean bitnet = modelType.equals("bitnet");
        int hidden = k.positiveInt("hidden_size").orElseThrow(() -> k.missing("hidden_size"));
        int intermediate = k.positiveInt("intermediate_size").orElseThrow(() -> k.missing("intermediate_size"));
        int layers = k.positiveInt("num_hidden_layers").orElseThrow(() -> k.missing("num_hidden_layers"));
        int heads = k.positiveInt("num_attention_heads").orElseThrow(() -> k.missing("num_attention_heads"));
        int kvHeads = k.positiveInt("num_key_value_heads").orElse(heads);
        if (heads % kvHeads != 0) {
            throw new FormatException(file, "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        OptionalInt hd = k.positiveInt("head_dim");
        if (hd.isEmpty() && hidden % heads != 0) {
            throw new FormatException(file, "no head_dim, and hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        int headDim = hd.orElse(hidden / heads);
        int vocab = k.positiveInt("vocab_size").orElseThrow(() -> k.missing("vocab_size"));
        double eps = k.positiveDouble(root, "rms_norm_eps").orElse(bitnet ? 1e-5 : 1e-6);

        double theta = bitnet ? 500000.0 : 10000.0;
        Optional<String> ropeType = Optional.empty();
        JsonNode rp = k.object("rope_parameters");
        JsonNode rs = k.object("rope_scaling");
        OptionalDouble top = k.positiveDouble(root, "rope_theta");
        if (top.isPresent()) theta = top.getAsDouble();
        if (rp != null) {
            OptionalDouble t = k.positiveDouble(rp, "rope_theta");
            if (t.isPresent()) theta = t.getAsDouble();
            ropeType = k.stringIn(rp, "rope_type");
        }
        if (ropeType.isEmpty() && rs != null) {
            ropeType = k.stringIn(rs, "rope_type");
            if (ropeType.isEmpty()) ropeType = k.stringIn(rs, "type");
        }

        int maxPos = k.positiveInt("max_position_embeddings").orElse(2048);
        String act = k.string("hidden_act").orElse(bitnet ? "relu2" : "silu");
        boolean tie = k.bool("tie_word_embeddings").orElse(false);
        List<String> arch = new ArrayList<>();
        JsonNode a = root.get("architectures");
        if (a != null && !a.isNull()) {
            if (!a.isArray()) throw k.wrongType("architectures", a, "a list of strings");
            for (JsonNode x : a) {
                if (!x.isTextual()) throw k.wrongType("architectures", x, "a list of strings");
                arch.add(x.textValue());
            }
        }
        Optional<String> dtype = k.string("dtype");
        if (dtype.isEmpty()) dtype = k.string("torch_dtype");

        Optional<QuantizationConfig> qc = Optional.empty();
        JsonNode q = k.object("quantization_config");
        if (q != null) {
            String method = k.stringIn(q, "quant_method").orElseThrow(() -> k.missing("quantization_config.quant_method"));
            qc = Optional.of(new QuantizationConfig(method, k.stringIn(q, "linear_class"), k.stringIn(q, "quantization_mode"), q));
        }
        return new HfConfig(arch, modelType, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, eps, theta, ropeType,
                maxPos, act, tie, k.ids("bos_token_id"), k.ids("eos_token_id"), dtype, k.positiveInt("weight_bits"),
                k.positiveInt("input_bits"), qc, root);
    }

    /** Typed access to a config object's keys, each failure a one-line FormatException. */
    static final class Keys {
        private final Path file;
        private final JsonNode root;

        Keys(Path file, JsonNode root) {
            this.file = file;
            this.root = root;
        }

        FormatException missing(String key) {
            return new FormatException(file, "required key " + key + " is missing");
        }

        FormatException wrongType(String key, JsonNode v, String want) {
            return new FormatException(file, key + " is " + JsonFiles.oneLine(v.toString()) + ", not " + want);
        }

        private JsonNode present(JsonNode obj, String key) {
            JsonNode v = obj.get(key);
            return v == null || v.isNull() ? null : v;
        }

        Optional<String> string(String key) throws FormatException {
            return stringIn(root, key);
        }

        Optional<String> stringIn(JsonNode obj, String key) throws FormatException {
            JsonNode v = present(obj, key);
            if (v == null) return Optional.empty();
            if (!v.isTextual()) throw wrongType(key, v, "a string");
            return Optional.of(v.textValue());
        }

        Optional<Boolean> bool(String key) throws FormatException {
            JsonNode v = present(root, key);
            if (v == null) return Optional.empty();
            if (!v.isBoolean()) throw wrongType(key, v, "true or false");
            return Optional.of(v.booleanValue());
        }

        JsonNode object(String key) throws FormatException {
            JsonNode v = present(root, key);
            if (v == null) return null;
            if (!v.isObject()) throw wrongType(key, v, "an object");
            return v;
        }

        OptionalInt positiveInt(String key) throws FormatException {
            JsonNode v = present(root, key);
            if (v == null) return OptionalInt.empty();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) throw wrongType(key, v, "a positive integer");
            return OptionalInt.of(v.intValue());
        }

        OptionalDouble positiveDouble(JsonNode obj, String key) throws FormatException {
            JsonNode v = present(obj, key);
            if (v == null) return OptionalDouble.empty();
            if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) {
                throw wrongType(key, v, "a positive number");
            }
            return OptionalDouble.of(v.doubleValue());
        }

        /** A token id field: an integer, a list of integers, or null. */
        List<Integer> ids(String key) throws FormatException {
            JsonNode v = present(root, key);
            List<Integer> out = new ArrayList<>();
            if (v == null) return out;
            if (v.isArray()) {
                for (JsonNode x : v) out.add(id(key, x));
            } else {
                out.add(id(key, v));
            }
            return out;
        }

        private int id(String key, JsonNode x) throws FormatException {
            if (!x.isIntegralNumber() || !x.canConvertToInt() || x.intValue() < 0) {
                throw wrongType(key, x, "a token id (non-negative integer) or a list of them");
            }
            return x.intValue();
        }
    }
}
