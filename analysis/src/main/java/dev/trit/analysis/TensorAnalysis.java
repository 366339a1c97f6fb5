package dev.trit.analysis;

import java.util.Map;

/**
 * What {@code trit analyze} found in one linear weight matrix.
 *
 * @param layer        the block index, or -1 for a matrix outside the blocks
 * @param storedAs     the tensor's type in the file (e.g. "U8 packed", "BF16", "TQ2_0")
 * @param scale        the value a trit stands for (see {@link Metrics#SCALE})
 * @param meanAbsLatent mean |W| of latent weights, NaN for weights stored ternary
 * @param mse          ternarization error of latent weights, NaN for weights stored ternary
 * @param cosine       likewise
 * @param storedBytes  bytes of the tensor (and its scale tensor) in the file
 * @param layoutBytes  bytes each storage layout would take (layouts that cannot hold the shape absent)
 * @param codedBytes   measured compressed sizes of the trits, by coder
 */
public record TensorAnalysis(String name, int layer, long out, long in, String storedAs, TritStats stats, double scale,
                             double meanAbsLatent, double mse, double cosine, long storedBytes,
                             Map<StorageLayout, Long> layoutBytes, Map<EntropyCoders, Long> codedBytes) {
    public long weights() {
        return out * in;
    }
}
