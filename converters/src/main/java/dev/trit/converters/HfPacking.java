package dev.trit.converters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 2-bit packing of microsoft/bitnet-b1.58-2B-4T (transformers' integrations/bitnet.py
 * pack_weights/unpack_weights): a ternary weight [out, in] becomes uint8 [out/4, in]; packed row r
 * holds original rows r + k*out/4 for k = 0..3 in bits 2k..2k+1, each as value + 1 (0 = -1, 1 = 0,
 * 2 = +1).
 */
final class HfPacking {
    private HfPacking() {
    }

    /** Reads trits of original rows row0 .. row0+nrows from a packed [out/4, in] uint8 tensor. */
    static void unpack(MemorySegment packed, long out, long in, long row0, int nrows, byte[] dst) {
        long quarter = out / 4;
        byte[] raw = new byte[Math.toIntExact(in)];
        for (int r = 0; r < nrows; r++) {
            long row = row0 + r;
            long prow = row % quarter;
            int shift = (int) (2 * (row / quarter));
            MemorySegment.copy(packed, ValueLayout.JAVA_BYTE, prow * in, raw, 0, raw.length);
            int at = (int) (r * in);
            for (int c = 0; c < in; c++) {
                int code = (raw[c] >>> shift) & 3;
                if (code == 3) throw new IllegalArgumentException("packed code 3 (not a ternary value) in row " + row + ", column " + c);
                dst[at + c] = (byte) (code - 1);
            }
        }
    }

    /** Packs packed rows prow0 .. prow0+n: trits[k] holds original rows prow0 + k*out/4, n rows each. */
    static void pack(byte[][] trits, long in, int n, byte[] dst) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < in; c++) {
                int i = (int) (r * in + c);
                int b = 0;
                for (int k = 0; k < 4; k++) b |= (trits[k][i] + 1) << (2 * k);
                dst[i] = (byte) b;
            }
        }
    }
}
