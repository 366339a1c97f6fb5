package dev.trit.converters;

import dev.trit.formats.HfConfig;
import dev.trit.formats.TensorNames;
import dev.trit.formats.family.BitNetB158;
import dev.trit.formats.family.Bitnet1bitLLM;
import dev.trit.formats.family.Family;
import dev.trit.formats.family.LinearSpec;
import java.util.List;

/**
 * The hyper-parameters a conversion carries between formats (HF config.json and GGUF metadata). The
 * family ({@link Family}: GGUF arch, tensor names, Q/K permutation, Gemma's norm storage) and the
 * linears ({@link LinearSpec}: which projections are BitLinear) come from formats' family package.
 *
 * @param weightBits 1 for the original 1-bit BitNet (weights ±1), else 0
 * @param hfConfigJson the source's config.json text when known (HF source, or a GGUF written by trit),
 *                     so the way back to HF reproduces every field; null otherwise
 * @param linears    which block projections are BitLinear (ternary) and how their stored scale reads
 * @param model      the full model spec when it could be read (the source's config.json, or llama.cpp
 *                   metadata for the families trit runs), for the metadata keys that need it (sliding
 *                   windows, RoPE scaling); null otherwise
 */
public record ModelSpec(Family family, String name, int hiddenSize, int intermediateSize, int layers, int heads,
                        int kvHeads, int headDim, int vocabSize, double rmsNormEps, double ropeTheta, int contextLength,
                        boolean tiedEmbeddings, int bosId, int eosId, int weightBits, String hfConfigJson, LinearSpec linears,
                        dev.trit.formats.family.ModelSpec model) {

    /** The BitNet families, whose projections are ternary whatever their config says (latent weights are ternarized). */
    static boolean bitnetFamily(Family f) {
        return f instanceof BitNetB158 || f instanceof Bitnet1bitLLM;
    }

    /**
     * The linears of a model of family {@code f}: a BitNet family's are ternary (latent weights are
     * ternarized on conversion); otherwise the config's quantization_config says (a LLaMA with a BitNet
     * quantization_config: HF1BitLLM, Falcon-E), float without one or without a config.
     */
    static LinearSpec linears(Family f, HfConfig c) {
        LinearSpec l = c == null ? LinearSpec.FLOAT : LinearSpec.of(c);
        if (bitnetFamily(f) && !l.ternary()) return new LinearSpec(LinearSpec.Kind.ONLINE, false, 0f, List.of("lm_head"));
        return l;
    }

    /** Whether any block projection is BitLinear. */
    public boolean ternaryLinears() {
        return linears.ternary();
    }

    /** Whether the GGUF tensor is a BitLinear weight of this model (modules_to_not_convert honoured). */
    public boolean bitLinear(String ggufName) {
        if (!TensorNames.isBitLinear(ggufName)) return false;
        String hf = TensorNames.toHf(family, ggufName).orElse("");
        return hf.endsWith(".weight") && linears.ternary(hf.substring(0, hf.length() - ".weight".length()));
    }

    /** The same spec with another family and linears (--arch-from-config). */
    ModelSpec with(Family f, LinearSpec l) {
        return new ModelSpec(f, name, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, vocabSize, rmsNormEps, ropeTheta,
                contextLength, tiedEmbeddings, bosId, eosId, weightBits, hfConfigJson, l, model);
    }
}
