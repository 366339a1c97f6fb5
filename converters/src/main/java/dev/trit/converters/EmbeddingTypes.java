package dev.trit.converters;

import dev.trit.formats.GgmlType;
import java.util.Locale;
import java.util.Set;

/**
 * Tensor types chosen for the token embedding and the output (LM head) matrix of a GGUF file, as
 * llama-quantize's {@code --token-embedding-type} and {@code --output-tensor-type} choose them. In a
 * model with tied embeddings token_embd is also the output layer, and (as in llama-quantize) the output
 * type governs it. Decoding reads the whole output matrix for every token, so at 2B scale its
 * precision decides much of the decode speed. llama-quantize's default for the output matrix of
 * TQ1_0 / TQ2_0 models is Q6_K (rows must then be whole blocks of 256).
 *
 * @param tokenEmbedding type for token_embd.weight, or null for the target's default
 * @param output         type for output.weight (token_embd.weight when tied), or null for the default
 */
public record EmbeddingTypes(GgmlType tokenEmbedding, GgmlType output) {
    public static final EmbeddingTypes DEFAULT = new EmbeddingTypes(null, null);
    /** Types the engine reads in place and llama.cpp accepts for these tensors. */
    public static final Set<GgmlType> ALLOWED = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q6_K);

    public EmbeddingTypes {
        for (GgmlType t : new GgmlType[]{tokenEmbedding, output}) {
            if (t != null && !ALLOWED.contains(t)) throw new IllegalArgumentException("type " + t.label() + " is not offered for the embedding or output tensor (f32, f16, bf16, q8_0, q4_0, q6_k)");
        }
    }

    /** Parses a user's type name (f16, q8_0, q6_k, ...); null stays null. */
    public static GgmlType parse(String name) {
        if (name == null) return null;
        String n = name.toLowerCase(Locale.ROOT);
        for (GgmlType t : ALLOWED) if (t.label().toLowerCase(Locale.ROOT).equals(n)) return t;
        throw new IllegalArgumentException("unknown embedding/output type '" + name + "' (f32, f16, bf16, q8_0, q4_0, q6_k)");
    }

    /** Refuses choices a target cannot hold: the types apply to GGUF outputs only. */
    void checkTarget(TargetType target) {
        if (!target.isGguf() && !equals(DEFAULT)) throw new IllegalArgumentException("embedding and output types apply to GGUF outputs only");
    }

    /** The override for a GGUF tensor name, or null; tied says the model has no separate output.weight. */
    GgmlType typeFor(String ggufName, boolean tied) {
        if (ggufName.equals("output.weight")) return output;
        if (ggufName.equals("token_embd.weight")) return tied && output != null ? output : tokenEmbedding;
        return null;
    }
}
