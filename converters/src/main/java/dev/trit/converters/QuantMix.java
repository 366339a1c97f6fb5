package dev.trit.converters;

import dev.trit.formats.GgmlType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * llama-quantize's mixtures without an importance matrix: which type each tensor of a file of type
 * q2_k, q3_k_s|m|l, q4_k_s|m, q5_k_s|m, q6_k, q4_0, q4_1, q5_0, q5_1 or iq4_nl gets, as llama.cpp's
 * {@code llama_tensor_get_type} (src/llama-quant.cpp) chooses it, and the order llama-quantize writes
 * tensors in. Only the rules that can fire for these file types and for trit's families (dense, no
 * experts, not Falcon) are here; the rest of llama.cpp's table (IQ1/IQ2/IQ3 mixtures, MoE, Falcon)
 * is not.
 *
 * <p>The rules, per tensor kind (kinds by name, as llama.cpp's {@code tensor_get_category}):
 * <ul>
 * <li>1-D tensors, norms ({@code _norm.weight}) and names not ending in {@code weight} are not
 *     quantized (F32 as the converter writes them).
 * <li>{@code output.weight}, and {@code token_embd.weight} when the embedding is tied (no
 *     output.weight): Q6_K, or Q8_0 when the row is not whole blocks of the base type.
 * <li>{@code attn_v} (and fused {@code attn_qkv}/{@code attn_kv_b}), counted i = 0.. in file order,
 *     n = how many: per mixture (table below); GQA ratio n_head/n_head_kv matters for q2_k and iq4_nl;
 *     a 70B LLaMA (80 layers, GQA) gets Q5_K for Q3_K/Q4_K.
 * <li>{@code ffn_down}, i = layer, n = block_count: per mixture.
 * <li>{@code attn_output}: one type per mixture.
 * <li>Everything else: the base type.
 * </ul>
 * {@code use_more_bits(i, n)} = i &lt; n/8 or i &ge; 7n/8 or (i − n/8) mod 3 = 2. After the choice, a
 * tensor whose rows are not whole blocks falls back: Q2_K, Q3_K → Q4_0; Q4_K → Q5_0; Q5_K → Q5_1;
 * Q6_K → Q8_0; F16 if the fallback's blocks of 32 do not fit either. The block-32 types have no
 * fallback in llama-quantize (it stops), and trit refuses such a tensor too.
 */
public final class QuantMix {
    /** Tensor kinds that the rules tell apart (llama.cpp's tensor_category). */
    enum Kind { OUTPUT, TOKEN_EMBD, ATTN_QKV, ATTN_KV_B, ATTN_V, ATTN_K, ATTN_Q, ATTN_OUTPUT, FFN_UP, FFN_GATE, FFN_DOWN, OTHER }

    /** What the rules read of the model. */
    record Model(int layers, int heads, int kvHeads, boolean llama70b) {
        int gqa() {
            return kvHeads == 0 ? 1 : heads / kvHeads;
        }
    }

    /** A per-position rule: the type for the i-th of n tensors of its kind, or null for the base type. */
    @FunctionalInterface
    interface Rule {
        GgmlType pick(int i, int n, Model m);
    }

    /**
     * One mixture: base type; attn_v and ffn_down rules; attn_output's type (null: base). (llama.cpp
     * also has attn_qkv types per mixture, but its attn_v branch takes fused qkv first, so they never apply.)
     */
    record Mix(GgmlType base, Rule attnV, Rule ffnDown, GgmlType attnOutput) {
    }

    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    private static final Rule NONE = (i, n, m) -> null;

    private static Rule moreBits(GgmlType t) {
        return (i, n, m) -> useMoreBits(i, n) ? t : null;
    }

    private static Rule firstEighth(GgmlType t) {
        return (i, n, m) -> i < n / 8 ? t : null;
    }

    private static Rule gqaAtLeast4(GgmlType t) {
        return (i, n, m) -> m.gqa() >= 4 ? t : null;
    }

    private static final Map<TargetType, Mix> MIXES = new EnumMap<>(TargetType.class);

    static {
        //                  base           attn_v                   ffn_down                 attn_output
        MIXES.put(TargetType.GGUF_Q2_K, new Mix(GgmlType.Q2_K, (i, n, m) -> m.gqa() >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K,
                (i, n, m) -> GgmlType.Q3_K, GgmlType.Q3_K));
        MIXES.put(TargetType.GGUF_Q3_K_S, new Mix(GgmlType.Q3_K, NONE, NONE, null));
        MIXES.put(TargetType.GGUF_Q3_K_M, new Mix(GgmlType.Q3_K, (i, n, m) -> i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K,
                (i, n, m) -> i < n / 16 ? GgmlType.Q5_K : GgmlType.Q4_K, GgmlType.Q4_K));
        MIXES.put(TargetType.GGUF_Q3_K_L, new Mix(GgmlType.Q3_K, (i, n, m) -> GgmlType.Q5_K, (i, n, m) -> GgmlType.Q5_K,
                GgmlType.Q5_K));
        MIXES.put(TargetType.GGUF_Q4_K_S, new Mix(GgmlType.Q4_K, (i, n, m) -> i < 4 ? GgmlType.Q5_K : null, firstEighth(GgmlType.Q5_K), null));
        MIXES.put(TargetType.GGUF_Q4_K_M, new Mix(GgmlType.Q4_K, moreBits(GgmlType.Q6_K), moreBits(GgmlType.Q6_K), null));
        MIXES.put(TargetType.GGUF_Q5_K_S, new Mix(GgmlType.Q5_K, NONE, NONE, null));
        MIXES.put(TargetType.GGUF_Q5_K_M, new Mix(GgmlType.Q5_K, moreBits(GgmlType.Q6_K), moreBits(GgmlType.Q6_K), null));
        MIXES.put(TargetType.GGUF_Q6_K, new Mix(GgmlType.Q6_K, NONE, NONE, null));
        MIXES.put(TargetType.GGUF_Q4_0, new Mix(GgmlType.Q4_0, NONE, NONE, null));
        MIXES.put(TargetType.GGUF_Q4_1, new Mix(GgmlType.Q4_1, NONE, NONE, null));
        MIXES.put(TargetType.GGUF_Q5_0, new Mix(GgmlType.Q5_0, NONE, NONE, null));
        MIXES.put(TargetType.GGUF_Q5_1, new Mix(GgmlType.Q5_1, NONE, NONE, null));
        // without an imatrix, iq4_nl gives the first eighth of ffn_down Q5_K
        MIXES.put(TargetType.GGUF_IQ4_NL, new Mix(GgmlType.IQ4_NL, gqaAtLeast4(GgmlType.Q5_K), firstEighth(GgmlType.Q5_K), null));
        for (TargetType t : TargetType.values()) {
            if (t.isQuantMix() != MIXES.containsKey(t)) throw new IllegalStateException("QuantMix and TargetType disagree on " + t);
            if (t.isQuantMix() && MIXES.get(t).base() != t.ggml()) throw new IllegalStateException("base type of " + t);
        }
    }

    /** The type and, for a block-size fallback, why, of one tensor. */
    public record Choice(GgmlType type, String note) {
    }

    private QuantMix() {
    }

    static Kind kind(String name) {
        if (name.equals("output.weight")) return Kind.OUTPUT;
        if (name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight")) return Kind.TOKEN_EMBD;
        if (name.contains("attn_qkv.weight")) return Kind.ATTN_QKV;
        if (name.contains("attn_kv_b.weight")) return Kind.ATTN_KV_B;
        if (name.contains("attn_v.weight")) return Kind.ATTN_V;
        if (name.contains("attn_k.weight")) return Kind.ATTN_K;
        if (name.contains("attn_q.weight")) return Kind.ATTN_Q;
        if (name.contains("attn_output.weight")) return Kind.ATTN_OUTPUT;
        if (name.contains("ffn_up")) return Kind.FFN_UP;
        if (name.contains("ffn_gate")) return Kind.FFN_GATE;
        if (name.contains("ffn_down")) return Kind.FFN_DOWN;
        return Kind.OTHER;
    }

    /** llama-quantize's tensor_allows_quantization for the names trit's families have. */
    static boolean quantizable(String name, long[] shape) {
        return shape.length >= 2 && name.endsWith("weight") && !name.contains("_norm.weight") && !name.contains("ffn_gate_inp.weight");
    }

    /**
     * llama.cpp's loader order, in which llama-quantize writes tensors: tensors outside {@code blk.N.}
     * first, then by layer number, then by name (byte order).
     */
    static final Comparator<String> FILE_ORDER = Comparator.comparingInt(QuantMix::layerOf).thenComparing(Comparator.naturalOrder());

    static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int end = 4;
        while (end < name.length() && Character.isDigit(name.charAt(end))) end++;
        if (end == 4 || end >= name.length() || name.charAt(end) != '.') return -1;
        try {
            return Integer.parseInt(name.substring(4, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The type of every tensor, in the order given (which must be {@link #FILE_ORDER}: the attn_v
     * count runs in it), for a quantizable tensor; null for one llama-quantize copies as it is.
     *
     * @param names  tensor names in file order
     * @param shapes their shapes (row-major, the row length last)
     * @param tied   no output.weight: token_embd takes the output rule
     * @param heads  --output-tensor-type / --token-embedding-type, which win over the mixture
     */
    static List<Choice> choose(TargetType target, List<String> names, List<long[]> shapes, Model model, boolean tied, EmbeddingTypes heads) {
        Mix mix = MIXES.get(target);
        if (mix == null) throw new IllegalArgumentException(target.label() + " is not a llama-quantize mixture");
        int nAttnV = 0;
        for (String n : names) {
            Kind k = kind(n);
            if (k == Kind.ATTN_V || k == Kind.ATTN_QKV || k == Kind.ATTN_KV_B) nAttnV++;
        }
        int iAttnV = 0, iFfnDown = 0;
        List<Choice> out = new ArrayList<>(names.size());
        for (int t = 0; t < names.size(); t++) {
            String name = names.get(t);
            long[] shape = shapes.get(t);
            if (!quantizable(name, shape)) {
                out.add(null);
                continue;
            }
            GgmlType user = heads.typeFor(name, tied);
            if (user != null) {
                out.add(new Choice(user, null));
                continue;
            }
            long cols = shape[shape.length - 1];
            Kind k = kind(name);
            GgmlType type = mix.base();
            if (k == Kind.OUTPUT || (tied && k == Kind.TOKEN_EMBD)) {
                if (cols % mix.base().blockSize() != 0) type = GgmlType.Q8_0;
                else if (mix.base() != GgmlType.Q8_0) type = GgmlType.Q6_K;
            } else if (k == Kind.ATTN_V || k == Kind.ATTN_QKV || k == Kind.ATTN_KV_B) {
                GgmlType r = mix.attnV().pick(iAttnV, nAttnV, model);
                if (r != null) type = r;
                if (model.llama70b() && (type == GgmlType.Q3_K || type == GgmlType.Q4_K)) type = GgmlType.Q5_K;
                iAttnV++;
            } else if (k == Kind.FFN_DOWN) {
                GgmlType r = mix.ffnDown().pick(iFfnDown, model.layers(), model);
                if (r != null) type = r;
                iFfnDown++;
            } else if (k == Kind.ATTN_OUTPUT) {
                if (mix.attnOutput() != null) type = mix.attnOutput();
            }
            out.add(fallback(name, cols, type));
        }
        return out;
    }

    /** llama-quantize's fallback for rows that are not whole blocks of the chosen type. */
    public static Choice fallback(String name, long cols, GgmlType type) {
        if (cols % type.blockSize() == 0) return new Choice(type, null);
        GgmlType to = switch (type) {
            case Q2_K, Q3_K -> GgmlType.Q4_0;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> throw new IllegalArgumentException(name + " has rows of " + cols + ", not whole " + type.label() + " blocks of "
                    + type.blockSize() + "; llama-quantize has no fallback type for " + type.label() + " and stops too");
        };
        if (cols % to.blockSize() != 0) to = GgmlType.F16;
        return new Choice(to, "rows of " + cols + " are not whole " + type.label() + " blocks of " + type.blockSize() + "; written as "
                + to.label() + " (llama-quantize's fallback)");
    }
}
