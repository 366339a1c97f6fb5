package dev.trit.converters;

/**
 * The hyper-parameters a conversion carries between formats (HF config.json and GGUF metadata).
 *
 * @param weightBits 1 for the original 1-bit BitNet (weights ±1), else 0
 * @param hfConfigJson the source's config.json text when known (HF source, or a GGUF written by trit),
 *                     so the way back to HF reproduces every field; null otherwise
 */
public record ModelSpec(ModelFamily family, String name, int hiddenSize, int intermediateSize, int layers, int heads,
                        int kvHeads, int headDim, int vocabSize, double rmsNormEps, double ropeTheta, int contextLength,
                        boolean tiedEmbeddings, int bosId, int eosId, int weightBits, String hfConfigJson) {
}
