package dev.trit.formats.family;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgufFile;
import dev.trit.formats.HfConfig;
import dev.trit.formats.JsonFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@link ModelSpec} of a GGUF file. A file trit wrote keeps its source's config.json
 * ({@code trit.hf.config.json}), which says everything, including what llama.cpp's keys cannot (the
 * BitLinear kind of a LLaMA, Gemma's query_pre_attn_scalar); otherwise the spec is read from
 * llama.cpp's metadata keys with the rules llama.cpp's graphs apply. In both cases norm weights of a
 * Gemma file already hold (1 + w), as llama.cpp's converter writes them.
 */
public final class GgufSpec {
    /** Where trit keeps the source's config.json in a GGUF it writes. */
    public static final String HF_CONFIG_KEY = "trit.hf.config.json";

    private GgufSpec() {
    }

    public static ModelSpec of(GgufFile g) throws FormatException {
        String arch = g.architecture();
        Family family = Families.forGgufArch(arch).orElseThrow(() -> new IllegalArgumentException("unsupported GGUF architecture '" + arch
                + "' (supported: " + String.join(", ", Families.ALL.stream().map(Family::ggufArch).toList()) + ")"));
        Optional<String> hf = g.string(HF_CONFIG_KEY);
        ModelSpec spec;
        if (hf.isPresent()) {
            JsonNode root = JsonFiles.parseObject(g.path(), hf.get().getBytes(java.nio.charset.StandardCharsets.UTF_8), HF_CONFIG_KEY);
            spec = Families.spec(HfConfig.parse(g.path(), root));
            if (!spec.family().ggufArch().equals(arch)) {
                throw new IllegalArgumentException("architecture '" + arch + "' does not match its stored config.json (" + spec.family().name() + ")");
            }
        } else {
            spec = fromMetadata(g, family, arch);
        }
        return spec.normPlusOne() ? spec.withNormPlusOne(false) : spec;
    }

    private static long need(GgufFile g, String key) {
        return g.integer(key).orElseThrow(() -> new IllegalArgumentException("missing metadata key " + key));
    }

    /** A size from the metadata as an int: positive and not wrapped (the tensors' shapes are checked against it later). */
    private static int dimension(String key, long v) {
        if (v <= 0 || v > Integer.MAX_VALUE) throw new IllegalArgumentException("metadata " + key + " is " + v + ", not a size");
        return (int) v;
    }

    /** llama.cpp's reading of its own keys (llama-model.cpp's load_hparams and the graphs). */
    private static ModelSpec fromMetadata(GgufFile g, Family family, String arch) {
        int hidden = dimension(arch + ".embedding_length", need(g, arch + ".embedding_length"));
        int layers = ModelSpec.layerCount(arch + ".block_count", need(g, arch + ".block_count"));
        int heads = dimension(arch + ".attention.head_count", need(g, arch + ".attention.head_count"));
        int kvHeads = dimension(arch + ".attention.head_count_kv", g.integer(arch + ".attention.head_count_kv").orElse(heads));
        int headDim = dimension(arch + ".attention.key_length", g.integer(arch + ".attention.key_length").orElse(hidden / heads));
        int vocab = g.stringArray("tokenizer.ggml.tokens").size();
        if (vocab == 0) vocab = dimension(arch + ".vocab_size", need(g, arch + ".vocab_size"));
        boolean tied = g.find("output.weight").isEmpty();
        float eps = (float) g.real(arch + ".attention.layer_norm_rms_epsilon").orElse(1e-5);
        double theta = g.real(arch + ".rope.freq_base").orElse(10000.0);
        String scaling = g.string(arch + ".rope.scaling.type").orElse("none");
        RopeSpec rope = switch (scaling) {
            case "none" -> RopeSpec.plain(theta);
            case "linear" -> new RopeSpec(theta, RopeSpec.Type.LINEAR, g.real(arch + ".rope.scaling.factor").orElse(1.0), 0, 0, 0);
            default -> throw new IllegalArgumentException(arch + ".rope.scaling.type " + scaling + " is not implemented");
        };
        if (g.find("rope_freqs.weight").isPresent()) throw new IllegalArgumentException("tensor rope_freqs.weight (llama.cpp's llama3 rope factors) is not implemented");
        boolean bitnet = family instanceof BitNetB158 || family instanceof Bitnet1bitLLM;
        Activation act = switch (family) {
            case BitNetB158 b -> Activation.RELU2;
            case Gemma3 x -> Activation.GELU_TANH;
            default -> Activation.SILU;
        };
        boolean gemma = family instanceof Gemma3;
        boolean qkvBias = g.find("blk.0.attn_q.bias").isPresent(), oBias = g.find("blk.0.attn_output.bias").isPresent();
        boolean mlpBias = g.find("blk.0.ffn_down.bias").isPresent();
        List<LayerSpec> specs = new ArrayList<>();
        int window = gemma ? (int) g.integer(arch + ".attention.sliding_window").orElse(0) : 0;
        for (int i = 0; i < layers; i++) {
            // llama.cpp's gemma3: every 6th layer full, the others sliding with base 10000
            boolean sliding = gemma && window > 0 && (i + 1) % 6 != 0;
            specs.add(new LayerSpec(sliding ? window : 0, sliding ? RopeSpec.plain(10000.0) : rope));
        }
        float finalCap = (float) g.real(arch + ".final_logit_softcapping").orElse(0.0);
        float attnCap = (float) g.real(arch + ".attn_logit_softcapping").orElse(0.0);
        LinearSpec linears = bitnet ? new LinearSpec(LinearSpec.Kind.AUTOBITLINEAR_OFFLINE, false, 0f, List.of("lm_head")) : LinearSpec.FLOAT;
        return new ModelSpec(family, hidden, layers, heads, kvHeads, headDim, dimension(arch + ".feed_forward_length", need(g, arch + ".feed_forward_length")), vocab, eps, false,
                family instanceof Qwen3 || gemma, gemma, bitnet, qkvBias, oBias, mlpBias, act, gemma ? (float) Math.sqrt(hidden) : 1f, tied,
                (float) (1.0 / Math.sqrt(headDim)), attnCap, finalCap, specs, linears,
                (int) g.integer("tokenizer.ggml.bos_token_id").orElse(1), (int) g.integer("tokenizer.ggml.eos_token_id").orElse(2),
                (int) g.integer(arch + ".context_length").orElse(2048));
    }
}
