package dev.trit.analysis;

import dev.trit.formats.TernaryScales;
import java.util.Map;
import java.util.Set;

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
 * @param ternaryScales for a float matrix whose values are exactly trit × scale (TriLM's linears: a
 *                     scale per row or column block), its scale layout; null otherwise. {@code scale}
 *                     is then the mean |W| of its nonzero weights, and {@code layoutBytes} holds, for
 *                     a block layout whose blocks straddle two scale regions, what trit convert writes
 *                     instead (the F16 tensor; listed in {@code fallbackLayouts}); layouts with one
 *                     scale per tensor (packed, I2_S) are absent when there are several scales
 * @param fallbackLayouts layouts that cannot hold this matrix exactly and are counted at F16
 */
public record TensorAnalysis(String name, int layer, long out, long in, String storedAs, TritStats stats, double scale,
                             double meanAbsLatent, double mse, double cosine, long storedBytes,
                             Map<StorageLayout, Long> layoutBytes, Map<EntropyCoders, Long> codedBytes,
                             TernaryScales ternaryScales, Set<StorageLayout> fallbackLayouts) {
    public TensorAnalysis(String name, int layer, long out, long in, String storedAs, TritStats stats, double scale,
                          double meanAbsLatent, double mse, double cosine, long storedBytes,
                          Map<StorageLayout, Long> layoutBytes, Map<EntropyCoders, Long> codedBytes) {
        this(name, layer, out, in, storedAs, stats, scale, meanAbsLatent, mse, cosine, storedBytes, layoutBytes, codedBytes, null, Set.of());
    }

    public long weights() {
        return out * in;
    }
}
