package dev.trit.analysis;

import dev.trit.formats.HfPackedTernary;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TernaryPiecesTest {
    @Test
    void unpackFollowsTransformersLayout() {
        // out = 8, in = 2: packed [2, 2]. Byte (r, c) holds rows r, r+2, r+4, r+6 of column c.
        // Byte 0b10_01_00_10 = pairs (from bit 0): 2, 0, 1, 2 -> +1, -1, 0, +1.
        byte[] packed = {(byte) 0b10_01_00_10, 0, 0, (byte) 0b00_00_00_01};
        byte[] t = HfPackedTernary.unpack(MemorySegment.ofArray(packed), 2, 2);
        assertEquals(16, t.length);
        assertEquals(1, t[0 * 2 + 0]);   // row 0, col 0
        assertEquals(-1, t[2 * 2 + 0]);  // row 2
        assertEquals(0, t[4 * 2 + 0]);   // row 4
        assertEquals(1, t[6 * 2 + 0]);   // row 6
        assertEquals(-1, t[0 * 2 + 1]);  // byte (0,1) = 0: all -1
        assertEquals(0, t[1 * 2 + 1]);   // byte (1,1): pair 0 = 1 -> 0 at row 1
        assertEquals(-1, t[3 * 2 + 1]);
    }

    @Test
    void unpackRejectsCode3() {
        assertThrows(IllegalArgumentException.class, () -> HfPackedTernary.unpack(MemorySegment.ofArray(new byte[]{3}), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> HfPackedTernary.unpack(MemorySegment.ofArray(new byte[]{0}), 1, 2));
    }

    @Test
    void entropyBounds() {
        assertEquals(Math.log(3) / Math.log(2), new TritStats(5, 5, 5).entropyBits(), 1e-12);
        assertEquals(1.0, new TritStats(5, 0, 5).entropyBits(), 1e-12);
        assertEquals(0.0, new TritStats(0, 7, 0).entropyBits(), 0.0);
        // p = (1/4, 1/2, 1/4): 1.5 bits.
        assertEquals(1.5, new TritStats(1, 2, 1).entropyBits(), 1e-12);
    }

    @Test
    void ternarizeAbsmean() {
        float[] w = {0.5f, -0.1f, 0.02f, -0.3f};  // mean|W| = 0.23; W/0.23 = 2.17, -0.43, 0.09, -1.30
        Ternarizer.Result r = Ternarizer.ternarize(w);
        assertArrayEquals(new byte[]{1, 0, 0, -1}, r.trits());
        assertEquals(0.23, r.meanAbs(), 1e-7);
        double mse = (Math.pow(0.5 - 0.23, 2) + 0.01 + 0.0004 + Math.pow(-0.3 + 0.23, 2)) / 4;
        assertEquals(mse, r.mse(), 1e-7);
        double cos = (0.5 + 0.3) / Math.sqrt((0.25 + 0.01 + 0.0004 + 0.09) * 2);
        assertEquals(cos, r.cosine(), 1e-6);
        // All zeros: scale floors at 1e-5, trits 0.
        assertArrayEquals(new byte[3], Ternarizer.ternarize(new float[3]).trits());
    }

    @Test
    void codersCannotBeatTheEntropyOfRandomTrits() {
        // i.i.d. trits with p = (1/4, 1/2, 1/4): no lossless coder gets below 1.5 bits per weight
        // on average (Shannon); a real one gets close to it, far below the 2 bits of TQ2_0.
        Random rnd = new Random(1);
        byte[] t = new byte[1 << 16];
        for (int i = 0; i < t.length; i++) {
            int r = rnd.nextInt(4);
            t[i] = (byte) (r == 0 ? -1 : r == 3 ? 1 : 0);
        }
        for (EntropyCoders c : EntropyCoders.values()) {
            double bpw = 8.0 * c.compressedBytes(t) / t.length;
            assertTrue(bpw > 1.49, c + " " + bpw);
            assertTrue(bpw < 2.2, c + " " + bpw);
        }
        // Constant input compresses to almost nothing.
        assertTrue(EntropyCoders.LZMA2_BASE3.compressedBytes(new byte[1 << 16]) < 200);
    }

    @Test
    void base3PacksFiveTritsPerByte() {
        byte[] b = EntropyCoders.base3(new byte[]{1, 1, 1, 1, 1, -1});
        assertEquals(2, b.length);
        assertEquals(242, b[0] & 0xFF);
        assertEquals(0 * 81 + 1 * 27 + 9 + 3 + 1, b[1] & 0xFF);  // -1 then four padding zeros (code 1)
    }
}
