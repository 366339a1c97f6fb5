package dev.trit.analysis;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Unpacks the ternary weights of a Hugging Face BitNet checkpoint ({@code quantization_config}
 * bitnet, offline): a weight of shape [out, in] is stored as uint8 [out/4, in]. Packed row r holds
 * original rows r, r + out/4, r + 2·out/4, r + 3·out/4 in bit pairs 0-1, 2-3, 4-5, 6-7, each pair
 * holding value + 1 (transformers' integrations/bitnet.py, pack_weights / unpack_weights).
 *
 * <p>(A helper of the analysis for now; the converters have their own packing code, to be shared.)
 */
public final class HfPackedTernary {
    private HfPackedTernary() {
    }

    /**
     * The trits of the [4·packedRows, cols] weight, row-major. Bit pair value 3 never occurs in a
     * valid file; it is reported as an IllegalArgumentException naming the byte.
     */
    public static byte[] unpack(MemorySegment packed, int packedRows, int cols) {
        long n = 4L * packedRows * cols;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor of " + n + " weights is too large to unpack at once");
        if (packed.byteSize() != (long) packedRows * cols) {
            throw new IllegalArgumentException("packed tensor has " + packed.byteSize() + " bytes, not " + packedRows + "x" + cols);
        }
        byte[] trits = new byte[(int) n];
        for (int r = 0; r < packedRows; r++) {
            for (int c = 0; c < cols; c++) {
                long at = (long) r * cols + c;
                int b = packed.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
                for (int k = 0; k < 4; k++) {
                    int code = (b >>> (2 * k)) & 3;
                    if (code == 3) throw new IllegalArgumentException("byte " + at + " holds the invalid code 3 in bit pair " + k);
                    trits[(k * packedRows + r) * cols + c] = (byte) (code - 1);
                }
            }
        }
        return trits;
    }
}
