package dev.trit.engine;

/** mean(|W|) in fp32, as torch's x.abs().mean() on a float32 tensor (pairwise summation). */
final class AbsMean {
    private AbsMean() {
    }

    static float of(float[] w) {
        // torch reduces float32 with a cascade of float partial sums; a double sum is at least as accurate
        // and equals it after rounding to float in all but pathological cases.
        double s = 0;
        for (float v : w) s += Math.abs(v);
        return (float) (s / w.length);
    }
}
