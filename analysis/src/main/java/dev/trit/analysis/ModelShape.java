package dev.trit.analysis;

import dev.trit.formats.FormatException;
import dev.trit.formats.GgufFile;
import dev.trit.formats.HfConfig;

import dev.trit.formats.family.Families;
import dev.trit.formats.family.GgufSpec;
import dev.trit.formats.family.ModelSpec;
import java.nio.file.Path;

/**
 * The hyper-parameters that fix a decoder's arithmetic per token (attention with grouped KV heads, gated
 * FFN gate/up/down), read through the model family's {@link ModelSpec} as the engine reads them.
 *
 * @param ternary whether the model's linear layers are BitLinear (ternary weights, int8 activations)
 */
public record ModelShape(String architecture, int hidden, int intermediate, int layers, int heads, int kvHeads,
                         int headDim, int vocab, boolean tiedEmbeddings, boolean ternary) {

    /** A config.json's spec through its family (FormatException naming the file where trit has none). */
    public static ModelSpec spec(HfConfig c, Path configFile) throws FormatException {
        try {
            return Families.spec(c);
        } catch (IllegalArgumentException e) {
            throw new FormatException(configFile, e.getMessage());
        }
    }

    public static ModelShape of(GgufFile g) throws FormatException {
        try {
            return of(g.architecture(), GgufSpec.of(g));
        } catch (IllegalArgumentException e) {
            throw new FormatException(g.path(), e.getMessage());
        }
    }

    public static ModelShape of(String architecture, ModelSpec s) {
        return new ModelShape(architecture, s.hiddenSize(), s.intermediateSize(), s.layers(), s.heads(), s.kvHeads(), s.headDim(),
                s.vocabSize(), s.tiedEmbeddings(), s.ternary());
    }
}
