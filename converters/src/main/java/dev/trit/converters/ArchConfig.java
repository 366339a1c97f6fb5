package dev.trit.converters;

import dev.trit.formats.FormatException;
import dev.trit.formats.HfConfig;
import dev.trit.formats.family.Families;
import dev.trit.formats.family.Family;
import dev.trit.formats.family.LinearSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --arch-from-config}: the output takes its architecture and config.json from a file the user
 * gives, e.g. when a GGUF written by another tool (which keeps no config.json) goes back to Hugging
 * Face and the original layout is known (microsoft's BitNetForCausalLM rather than 1bitLLM's
 * BitnetForCausalLM, its rope and token ids). Shapes must agree with the source's: only the
 * interpretation changes, never the weights.
 */
final class ArchConfig {
    private ArchConfig() {
    }

    static SourceModel apply(SourceModel m, Path configFile) throws IOException {
        Path file = Files.isDirectory(configFile) ? configFile.resolve("config.json") : configFile;
        HfConfig c = HfConfig.read(file);
        ModelSpec s = m.spec();
        if (c.architectures().isEmpty()) throw new FormatException(file, "names no architectures");
        Family family = HfSource.family(file.getParent() == null ? file : file.getParent(), c);
        LinearSpec linears;
        try {
            linears = ModelSpec.linears(family, c);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
        if (linears.ternary() != s.ternaryLinears()) {
            throw new FormatException(file, family.name() + " does not fit the source, a " + s.family().name() + " model ("
                    + (s.ternaryLinears() ? "ternary" : "full-precision") + " projections)");
        }
        dev.trit.formats.family.ModelSpec model;
        try {
            model = Families.spec(c);
        } catch (IllegalArgumentException e) {
            model = null;
        }
        check(file, "hidden_size", c.hiddenSize(), s.hiddenSize());
        check(file, "intermediate_size", c.intermediateSize(), s.intermediateSize());
        check(file, "num_hidden_layers", c.numHiddenLayers(), s.layers());
        check(file, "num_attention_heads", c.numAttentionHeads(), s.heads());
        check(file, "num_key_value_heads", c.numKeyValueHeads(), s.kvHeads());
        check(file, "head_dim", c.headDim(), s.headDim());
        check(file, "vocab_size", c.vocabSize(), s.vocabSize());
        ModelSpec spec = new ModelSpec(family, s.name(), s.hiddenSize(), s.intermediateSize(), s.layers(), s.heads(), s.kvHeads(),
                s.headDim(), s.vocabSize(), c.rmsNormEps(), c.ropeTheta(), c.maxPositionEmbeddings(), c.tieWordEmbeddings(),
                c.bosTokenId().orElse(s.bosId()), c.eosTokenId().orElse(s.eosId()),
                c.weightBits().orElse(0) == 1 && s.weightBits() == 1 ? 1 : s.weightBits(), Files.readString(file), linears, model);
        return new SourceModel(spec, m.tokenizer(), m.hfFiles(), m.tensors(), m.resource());
    }

    private static void check(Path file, String key, int config, int source) throws FormatException {
        if (config != source) throw new FormatException(file, key + " is " + config + " but the source model has " + source);
    }
}
