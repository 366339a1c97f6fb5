package dev.trit.analysis;

import org.tukaani.xz.FinishableOutputStream;
import org.tukaani.xz.FinishableWrapperOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.UnsupportedOptionsException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;

/**
 * Real compressors run on the trits, to measure how far below log2(3) = 1.585 bits per weight an
 * entropy coder gets on them (the size is measured, not estimated). Two inputs are tried, since
 * coders see bytes: one trit per byte (code = trit + 1, the coder has to learn the 3-symbol
 * alphabet), and five trits per byte in base 3 (243 codes, as TQ1_0 packs them: 1.6 bits per weight
 * before any coding).
 */
public enum EntropyCoders {
    /** LZMA2 (XZ for Java, preset 6, lc = lp = pb = 0), raw stream without the .xz container headers. */
    LZMA2_TRIT_PER_BYTE("lzma2/trit-per-byte"),
    LZMA2_BASE3("lzma2/base3-5-per-byte"),
    /** DEFLATE (the JDK's zlib, level 9), raw stream. */
    DEFLATE_TRIT_PER_BYTE("deflate/trit-per-byte"),
    DEFLATE_BASE3("deflate/base3-5-per-byte");

    private final String label;

    EntropyCoders(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Compressed bytes of the trits. */
    public long compressedBytes(byte[] trits) {
        byte[] input = switch (this) {
            case LZMA2_TRIT_PER_BYTE, DEFLATE_TRIT_PER_BYTE -> tritPerByte(trits);
            case LZMA2_BASE3, DEFLATE_BASE3 -> base3(trits);
        };
        return switch (this) {
            case LZMA2_TRIT_PER_BYTE, LZMA2_BASE3 -> lzma2(input);
            case DEFLATE_TRIT_PER_BYTE, DEFLATE_BASE3 -> deflate(input);
        };
    }

    static byte[] tritPerByte(byte[] trits) {
        byte[] b = new byte[trits.length];
        for (int i = 0; i < trits.length; i++) b[i] = (byte) (trits[i] + 1);
        return b;
    }

    /** Five trits per byte, the first the most significant base-3 digit; the last byte padded with 0 trits. */
    static byte[] base3(byte[] trits) {
        byte[] b = new byte[(trits.length + 4) / 5];
        for (int i = 0; i < b.length; i++) {
            int v = 0;
            for (int k = 0; k < 5; k++) {
                int j = 5 * i + k;
                v = v * 3 + (j < trits.length ? trits[j] + 1 : 1);
            }
            b[i] = (byte) v;
        }
        return b;
    }

    private static long lzma2(byte[] input) {
        try {
            LZMA2Options o = new LZMA2Options(6);
            // No literal context (lc = lp = pb = 0): trits have no byte structure for it to exploit, and
            // on i.i.d. trits this measured ~1% smaller than the default lc = 3.
            o.setLcLp(0, 0);
            o.setPb(0);
            // A dictionary larger than the input buys nothing and costs a 64 MiB allocation per call.
            o.setDictSize(Math.max(LZMA2Options.DICT_SIZE_MIN, Math.min(input.length, o.getDictSize())));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (FinishableOutputStream out = o.getOutputStream(new FinishableWrapperOutputStream(bytes))) {
                out.write(input);
            }
            return bytes.size();
        } catch (UnsupportedOptionsException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long deflate(byte[] input) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(input);
            d.finish();
            byte[] buf = new byte[1 << 16];
            long n = 0;
            while (!d.finished()) n += d.deflate(buf);
            return n;
        } finally {
            d.end();
        }
    }

}
