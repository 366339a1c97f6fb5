package dev.trit.formats;

import dev.trit.formats.family.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names between Hugging Face checkpoints and GGUF, as llama.cpp's convert_hf_to_gguf.py maps
 * them (gguf-py tensor_mapping.py): the names every LLaMA-like architecture shares are here; a
 * {@link Family} adds or overrides its own ({@link Family#ggufLayerNames()}: Gemma 3's sandwich norms,
 * 1bitLLM's sub-norm spelling), and the family-taking methods are what converters and the engine use.
 * Every linear's {@code bias} maps with it ({@code attn_q.bias}); the per-linear input RMSNorm of
 * transformers' BitNet {@code use_rms_norm} ({@code <linear>.rms_norm.weight}) has no llama.cpp name,
 * so trit writes it as {@code blk.N.<gguf linear>.rms_norm.weight} (e.g. {@code blk.0.attn_q.rms_norm.weight}). The two
 * BitNet layouts name their sub-norms differently: 1bitLLM uses {@code self_attn.inner_attn_ln} and
 * {@code mlp.ffn_layernorm}, microsoft/bitnet-b1.58-2B-4T {@code self_attn.attn_sub_norm} and
 * {@code mlp.ffn_sub_norm}; both become {@code attn_sub_norm}/{@code ffn_sub_norm} in GGUF.
 */
public final class TensorNames {
    /** Which HF spelling of the BitNet sub-norms to produce when mapping back from GGUF. */
    public enum SubNormStyle { ONE_BIT_LLM, MICROSOFT }

    private record Rule(String hf, String gguf) {
    }

    private static final List<Rule> GLOBAL = List.of(
            new Rule("model.embed_tokens.weight", "token_embd.weight"),
            new Rule("model.norm.weight", "output_norm.weight"),
            new Rule("lm_head.weight", "output.weight"));

    private static final List<Rule> PER_LAYER = List.of(
            new Rule("input_layernorm.weight", "attn_norm.weight"),
            new Rule("post_attention_layernorm.weight", "ffn_norm.weight"),
            new Rule("self_attn.q_proj.weight", "attn_q.weight"),
            new Rule("self_attn.k_proj.weight", "attn_k.weight"),
            new Rule("self_attn.v_proj.weight", "attn_v.weight"),
            new Rule("self_attn.o_proj.weight", "attn_output.weight"),
            new Rule("mlp.gate_proj.weight", "ffn_gate.weight"),
            new Rule("mlp.up_proj.weight", "ffn_up.weight"),
            new Rule("mlp.down_proj.weight", "ffn_down.weight"),
            new Rule("self_attn.inner_attn_ln.weight", "attn_sub_norm.weight"),
            new Rule("mlp.ffn_layernorm.weight", "ffn_sub_norm.weight"),
            new Rule("self_attn.attn_sub_norm.weight", "attn_sub_norm.weight"),
            new Rule("mlp.ffn_sub_norm.weight", "ffn_sub_norm.weight"),
            new Rule("self_attn.q_norm.weight", "attn_q_norm.weight"),
            new Rule("self_attn.k_norm.weight", "attn_k_norm.weight"));

    /** The linears: their weight names above; bias and trit's per-linear input norm follow the same stem. */
    private static final List<Rule> LINEARS = List.of(
            new Rule("self_attn.q_proj", "attn_q"),
            new Rule("self_attn.k_proj", "attn_k"),
            new Rule("self_attn.v_proj", "attn_v"),
            new Rule("self_attn.o_proj", "attn_output"),
            new Rule("mlp.gate_proj", "ffn_gate"),
            new Rule("mlp.up_proj", "ffn_up"),
            new Rule("mlp.down_proj", "ffn_down"));

    /** Suffixes of a linear's tensors other than its weight: bias, and trit's name for the per-linear input norm. */
    private static final List<String> LINEAR_EXTRAS = List.of(".bias", ".rms_norm.weight");

    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    private TensorNames() {
    }

    /** The GGUF name of a HF tensor, or empty for tensors GGUF does not keep as such (weight_scale). */
    public static Optional<String> toGguf(String hfName) {
        for (Rule r : GLOBAL) if (r.hf.equals(hfName)) return Optional.of(r.gguf);
        Matcher m = HF_LAYER.matcher(hfName);
        if (m.matches()) {
            for (Rule r : PER_LAYER) {
                if (r.hf.equals(m.group(2))) return Optional.of("blk." + m.group(1) + "." + r.gguf);
            }
        }
        return Optional.empty();
    }

    /** The HF name of a GGUF tensor, in the given sub-norm spelling. */
    public static Optional<String> toHf(String ggufName, SubNormStyle style) {
        for (Rule r : GLOBAL) if (r.gguf.equals(ggufName)) return Optional.of(r.hf);
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (!m.matches()) return Optional.empty();
        String suffix = m.group(2);
        String hf = switch (suffix) {
            case "attn_sub_norm.weight" -> style == SubNormStyle.MICROSOFT ? "self_attn.attn_sub_norm.weight" : "self_attn.inner_attn_ln.weight";
            case "ffn_sub_norm.weight" -> style == SubNormStyle.MICROSOFT ? "mlp.ffn_sub_norm.weight" : "mlp.ffn_layernorm.weight";
            default -> {
                String found = null;
                for (Rule r : PER_LAYER) if (r.gguf.equals(suffix)) { found = r.hf; break; }
                yield found;
            }
        };
        return hf == null ? Optional.empty() : Optional.of("model.layers." + m.group(1) + "." + hf);
    }

    /** The GGUF name of a HF tensor in a model of family {@code f}; empty for tensors GGUF does not keep as such (weight_scale). */
    public static Optional<String> toGguf(Family f, String hfName) {
        for (Rule r : GLOBAL) if (r.hf.equals(hfName)) return Optional.of(r.gguf);
        Matcher m = HF_LAYER.matcher(hfName);
        if (!m.matches()) return Optional.empty();
        for (Rule r : layerRules(f)) if (r.hf.equals(m.group(2))) return Optional.of("blk." + m.group(1) + "." + r.gguf);
        return Optional.empty();
    }

    /** The HF name of a GGUF tensor of a model of family {@code f}, sub-norms spelled as the family spells them. */
    public static Optional<String> toHf(Family f, String ggufName) {
        for (Rule r : GLOBAL) if (r.gguf.equals(ggufName)) return Optional.of(r.hf);
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (!m.matches()) return Optional.empty();
        for (Rule r : layerRules(f)) if (r.gguf.equals(m.group(2))) return Optional.of("model.layers." + m.group(1) + "." + r.hf);
        return Optional.empty();
    }

    /** The family's own per-layer names first, then the shared ones (each GGUF name once: the first rule wins). */
    private static List<Rule> layerRules(Family f) {
        List<Rule> out = new ArrayList<>();
        for (Map.Entry<String, String> e : f.ggufLayerNames()) out.add(new Rule(e.getKey(), e.getValue()));
        for (Rule r : PER_LAYER) {
            if (r.hf.equals("self_attn.inner_attn_ln.weight") || r.hf.equals("mlp.ffn_layernorm.weight")) continue; // 1bitLLM's, from its family
            if (out.stream().noneMatch(o -> o.hf.equals(r.hf) || o.gguf.equals(r.gguf))) out.add(r);
        }
        for (Rule r : LINEARS) {
            for (String x : LINEAR_EXTRAS) out.add(new Rule(r.hf + x, r.gguf + x));
        }
        return out;
    }

    /** True for the linear weights a BitNet model holds as ternary (every projection of a block). */
    public static boolean isBitLinear(String ggufName) {
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (!m.matches()) return false;
        return switch (m.group(2)) {
            case "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                 "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight" -> true;
            default -> false;
        };
    }
}
