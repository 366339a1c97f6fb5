package dev.trit.formats;

import java.util.OptionalDouble;

/**
 * Ternary weights unpacked: value i is {@code trits[i] * scales[i / groupSize]}, trits in {-1, 0, +1}.
 * For TQ1_0/TQ2_0 a group is one 256-weight block (the block's fp16 scale, widened); for I2_S the whole
 * tensor shares one float32 scale, so groupSize is the element count.
 */
public record TernaryValues(byte[] trits, float[] scales, int groupSize) {
    public TernaryValues {
        if (groupSize <= 0 || trits.length % groupSize != 0 || scales.length != trits.length / groupSize) {
            throw new IllegalArgumentException(trits.length + " trits, " + scales.length + " scales, groups of " + groupSize + " do not match");
        }
        for (int i = 0; i < trits.length; i++) {
            if (trits[i] < -1 || trits[i] > 1) throw new IllegalArgumentException("trit " + i + " is " + trits[i]);
        }
    }

    public int size() {
        return trits.length;
    }

    public float value(int i) {
        return trits[i] * scales[i / groupSize];
    }

    /**
     * The one scale all groups with a nonzero trit share, if they share one (groups of zeros carry no
     * scale information: ggml stores 0 for them). Empty if scales differ or every trit is 0.
     */
    public OptionalDouble uniformScale() {
        float s = Float.NaN;
        for (int g = 0; g < scales.length; g++) {
            boolean any = false;
            for (int i = g * groupSize; i < (g + 1) * groupSize && !any; i++) any = trits[i] != 0;
            if (!any) continue;
            if (Float.isNaN(s)) s = scales[g];
            else if (Float.floatToIntBits(s) != Float.floatToIntBits(scales[g])) return OptionalDouble.empty();
        }
        return Float.isNaN(s) ? OptionalDouble.empty() : OptionalDouble.of(s);
    }
}
