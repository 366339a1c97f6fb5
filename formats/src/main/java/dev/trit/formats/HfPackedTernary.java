package dev.trit.formats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 2-bit packing of microsoft/bitnet-b1.58-2B-4T (transformers' integrations/bitnet.py
 * pack_weights/unpack_weights): a ternary weight [out, in] is stored as uint8 [out/4, in]. Packed row r
 * holds original rows r + k*out/4 for k = 0..3 in bit pairs 2k..2k+1, each as value + 1 (0 = -1,
 * 1 = 0, 2 = +1); code 3 never occurs in a valid file.
 */
public final class HfPackedTernary {
    private HfPackedTernary() {
    }

    /** Reads the trits of original rows row0 .. row0+nrows of a packed [out/4, in] tensor into dst. */
    public static void unpackRows(MemorySegment packed, long out, long in, long row0, int nrows, byte[] dst) {
        long quarter = out / 4;
        byte[] raw = new byte[Math.toIntExact(in)];
        for (int r = 0; r < nrows; r++) {
            long row = row0 + r;
            long prow = row % quarter;
            int shift = (int) (2 * (row / quarter));
            MemorySegment.copy(packed, ValueLayout.JAVA_BYTE, prow * in, raw, 0, raw.length);
            int at = Math.toIntExact(r * in);
            for (int c = 0; c < in; c++) {
                int code = (raw[c] >>> shift) & 3;
                if (code == 3) throw new IllegalArgumentException("packed code 3 (not a ternary value) in row " + row + ", column " + c);
                dst[at + c] = (byte) (code - 1);
            }
        }
    }

    /** All trits of the [4*packedRows, cols] weight, row-major. */
    public static byte[] unpack(MemorySegment packed, int packedRows, int cols) {
        long n = 4L * packedRows * cols;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor of " + n + " weights is too large to unpack at once");
        if (packed.byteSize() != (long) packedRows * cols) {
            throw new IllegalArgumentException("packed tensor has " + packed.byteSize() + " bytes, not " + packedRows + "x" + cols);
        }
        byte[] trits = new byte[(int) n];
        unpackRows(packed, 4L * packedRows, cols, 0, 4 * packedRows, trits);
        return trits;
    }

    /** Packs n packed rows: trits[k] holds the n original rows starting at k*out/4, each of in trits. */
    public static void pack(byte[][] trits, long in, int n, byte[] dst) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < in; c++) {
                int i = Math.toIntExact(r * in + c);
                int b = 0;
                for (int k = 0; k < 4; k++) b |= (trits[k][i] + 1) << (2 * k);
                dst[i] = (byte) b;
            }
        }
    }

    /** Packs a whole [out, in] tensor of trits (row-major); out must be a multiple of 4. */
    public static byte[] pack(byte[] trits, int out, int in) {
        if (out % 4 != 0 || (long) out * in != trits.length) throw new IllegalArgumentException("cannot pack " + trits.length + " trits as [" + out + ", " + in + "]");
        int quarter = out / 4;
        byte[][] parts = new byte[4][];
        for (int k = 0; k < 4; k++) parts[k] = java.util.Arrays.copyOfRange(trits, k * quarter * in, (k + 1) * quarter * in);
        byte[] dst = new byte[quarter * in];
        pack(parts, in, quarter, dst);
        return dst;
    }
}
