package dev.trit.e2e;

import java.util.Arrays;
import java.util.Random;

/** The fuzz tests' byte mutations of a file: the same four kinds everywhere, within the first {@code span} bytes. */
final class Mutations {
    private Mutations() {
    }

    /** Mutation kind i % 4: truncation, 1-4 bit flips, an extreme 8-byte little-endian value, 16 random bytes. */
    static byte[] of(byte[] original, Random rnd, int i, int span) {
        span = Math.min(span, original.length);
        byte[] b = original.clone();
        switch (i % 4) {
            case 0 -> b = Arrays.copyOf(original, rnd.nextInt(span));
            case 1 -> {
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) b[rnd.nextInt(span)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 2 -> {
                int at = rnd.nextInt(span - 8);
                long v = switch (rnd.nextInt(4)) {
                    case 0 -> Long.MAX_VALUE;
                    case 1 -> -1L;
                    case 2 -> 1L << 40;
                    default -> rnd.nextLong();
                };
                for (int k = 0; k < 8; k++) b[at + k] = (byte) (v >>> (8 * k));
            }
            default -> {
                int at = rnd.nextInt(span - 16);
                for (int k = 0; k < 16; k++) b[at + k] = (byte) rnd.nextInt(256);
            }
        }
        return b;
    }
}
