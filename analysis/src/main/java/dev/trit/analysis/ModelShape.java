package dev.trit.analysis;

import dev.trit.formats.FormatException;
import dev.trit.formats.GgufFile;
import dev.trit.formats.HfConfig;

import java.util.OptionalLong;

/**
 * The hyper-parameters that fix a decoder's arithmetic per token: LLaMA-style blocks (attention with
 * grouped KV heads, gated FFN gate/up/down), from a Hugging Face config or GGUF metadata.
 *
 * @param ternary whether the model's linear layers are BitLinear (ternary weights, int8 activations)
 */
public record ModelShape(String architecture, int hidden, int intermediate, int layers, int heads, int kvHeads,
                         int headDim, int vocab, boolean tiedEmbeddings, boolean ternary) {

    public static ModelShape of(HfConfig c) {
        boolean ternary = c.modelType().equalsIgnoreCase("bitnet")
                || c.architectures().stream().anyMatch(a -> a.toLowerCase(java.util.Locale.ROOT).contains("bitnet"))
                || c.quantizationConfig().map(q -> q.quantMethod().equals("bitnet")).orElse(false);
        return new ModelShape(c.architectures().isEmpty() ? c.modelType() : c.architectures().getFirst(), c.hiddenSize(),
                c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                c.vocabSize(), c.tieWordEmbeddings(), ternary);
    }

    public static ModelShape of(GgufFile g) throws FormatException {
        String arch = g.architecture();
        if (arch.isEmpty()) throw new FormatException(g.path(), "no general.architecture");
        int hidden = positive(g, arch + ".embedding_length");
        int heads = positive(g, arch + ".attention.head_count");
        OptionalLong kv = g.integer(arch + ".attention.head_count_kv");
        OptionalLong keyLen = g.integer(arch + ".attention.key_length");
        int vocab = g.find("token_embd.weight").map(t -> (int) t.dim(0))
                .orElseThrow(() -> new FormatException(g.path(), "no token_embd.weight"));
        return new ModelShape(arch, hidden, positive(g, arch + ".feed_forward_length"), positive(g, arch + ".block_count"),
                heads, kv.isPresent() ? (int) kv.getAsLong() : heads, keyLen.isPresent() ? (int) keyLen.getAsLong() : hidden / heads,
                vocab, g.find("output.weight").isEmpty(), arch.equals("bitnet") || arch.startsWith("bitnet"));
    }

    private static int positive(GgufFile g, String key) throws FormatException {
        long v = g.integer(key).orElseThrow(() -> new FormatException(g.path(), "metadata " + key + " is missing"));
        if (v <= 0 || v > Integer.MAX_VALUE) throw new FormatException(g.path(), "metadata " + key + " is " + v);
        return (int) v;
    }
}
