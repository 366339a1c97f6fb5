package dev.trit.formats.family;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.formats.HfConfig;
import java.util.Iterator;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Typed reads of config.json keys for the families, and the check that makes "no silent fallback"
 * structural: every key of a config must be one its family implements or one known not to change the
 * numerics; anything else stops the load, naming the key. Errors are IllegalArgumentException; the
 * loader names the file.
 */
final class ConfigKeys {
    /** Keys no family's numerics depend on (bookkeeping, training-only settings, token ids, sizes checked elsewhere). */
    static final Set<String> NEUTRAL = Set.of(
            "architectures", "model_type", "transformers_version", "torch_dtype", "dtype", "use_cache", "initializer_range",
            "attention_dropout", "hidden_dropout", "embd_pdrop", "resid_pdrop", "bos_token_id", "eos_token_id", "pad_token_id",
            "max_position_embeddings", "tie_word_embeddings", "_name_or_path", "auto_map", "is_bitnet_config",
            "pretraining_model_parallel", "cache_implementation", "return_dict", "output_hidden_states", "output_attentions",
            "torchscript", "use_return_dict", "is_encoder_decoder", "is_decoder", "add_cross_attention", "id2label", "label2id",
            "problem_type", "tokenizer_class", "prefix", "sep_token_id", "decoder_start_token_id", "task_specific_params",
            "finetuning_task", "chunk_size_feed_forward", "tie_encoder_decoder", "vocab_size", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "head_dim");

    private final HfConfig config;
    private final String family;

    ConfigKeys(HfConfig config, String family) {
        this.config = config;
        this.family = family;
    }

    JsonNode root() {
        return config.raw();
    }

    /** Throws for the first key neither NEUTRAL nor in {@code understood}. */
    void checkUnderstood(Set<String> understood) {
        for (Iterator<String> it = config.raw().fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!NEUTRAL.contains(k) && !understood.contains(k)) {
                throw new IllegalArgumentException("config key " + k + " is not implemented for the " + family
                        + " family (it may change the numerics; refusing to run the model without it)");
            }
        }
    }

    private JsonNode present(JsonNode obj, String key) {
        JsonNode v = obj == null ? null : obj.get(key);
        return v == null || v.isNull() ? null : v;
    }

    Optional<String> string(JsonNode obj, String key) {
        JsonNode v = present(obj, key);
        if (v == null) return Optional.empty();
        if (!v.isTextual()) throw new IllegalArgumentException(key + " is " + v + ", not a string");
        return Optional.of(v.textValue());
    }

    Optional<Boolean> bool(String key) {
        JsonNode v = present(root(), key);
        if (v == null) return Optional.empty();
        if (!v.isBoolean()) throw new IllegalArgumentException(key + " is " + v + ", not true or false");
        return Optional.of(v.booleanValue());
    }

    OptionalInt nonNegativeInt(JsonNode obj, String key) {
        JsonNode v = present(obj, key);
        if (v == null) return OptionalInt.empty();
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new IllegalArgumentException(key + " is " + v + ", not a non-negative integer");
        }
        return OptionalInt.of(v.intValue());
    }

    OptionalDouble number(JsonNode obj, String key) {
        JsonNode v = present(obj, key);
        if (v == null) return OptionalDouble.empty();
        if (!v.isNumber() || Double.isNaN(v.doubleValue()) || Double.isInfinite(v.doubleValue())) {
            throw new IllegalArgumentException(key + " is " + v + ", not a finite number");
        }
        return OptionalDouble.of(v.doubleValue());
    }

    JsonNode object(String key) {
        JsonNode v = present(root(), key);
        if (v != null && !v.isObject()) throw new IllegalArgumentException(key + " is " + v + ", not an object");
        return v;
    }

    /** A key that must be absent, null or one of the values that leave the numerics as trit computes them. */
    void requireNeutral(String key, Object... allowed) {
        JsonNode v = present(root(), key);
        if (v == null) return;
        for (Object a : allowed) {
            if (a instanceof Boolean b && v.isBoolean() && v.booleanValue() == b) return;
            if (a instanceof Integer i && v.isIntegralNumber() && v.intValue() == i) return;
            if (a instanceof String s && v.isTextual() && v.textValue().equals(s)) return;
        }
        throw new IllegalArgumentException("config key " + key + " = " + v + " is not implemented for the " + family + " family");
    }
}
