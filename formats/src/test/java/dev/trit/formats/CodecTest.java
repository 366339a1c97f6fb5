package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Codec layouts and rounding on small hand-worked examples. Expected bytes are worked out by hand from
 * the layouts in ggml-common.h / ggml-quants.c / bitnet.cpp (see each codec's class comment) and from
 * IEEE 754, not produced by the code under test.
 */
class CodecTest {
    private static byte[] hex(String s) {
        String[] parts = s.trim().split("\\s+");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(parts[i], 16);
        return b;
    }

    @Test
    void f16RoundsToNearestEven() {
        assertEquals((short) 0x3C00, Half.floatToF16(1f));
        assertEquals((short) 0x3C00, Half.floatToF16(1f + 0x1p-11f)); // tie -> even mantissa
        assertEquals((short) 0x3C02, Half.floatToF16(1f + 3 * 0x1p-11f)); // tie -> even (up)
        assertEquals((short) 0x7BFF, Half.floatToF16(65504f));
        assertEquals((short) 0x7C00, Half.floatToF16(65520f)); // halfway to 65536 -> infinity
        assertEquals((short) 0xFC00, Half.floatToF16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x0001, Half.floatToF16(0x1p-24f)); // smallest subnormal
        assertEquals((short) 0x0000, Half.floatToF16(0x1p-25f)); // tie -> even (zero)
        assertEquals((short) 0x0002, Half.floatToF16(3 * 0x1p-25f)); // tie -> even (2)
        assertEquals((short) 0x8000, Half.floatToF16(-0f));
        short nan = Half.floatToF16(Float.NaN);
        assertEquals(0x7C00, nan & 0x7C00);
        assertTrue((nan & 0x03FF) != 0);
        assertTrue(Float.isNaN(Half.f16ToFloat(nan)));
        assertEquals(65504f, Half.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Half.f16ToFloat((short) 0x0001));
        byte[] b = F16Codec.INSTANCE.encode(new float[] {1f, -2f});
        assertArrayEquals(hex("00 3C 00 C0"), b);
    }

    @Test
    void bf16RoundsLikeGgml() {
        assertEquals((short) 0x3F80, Half.floatToBf16(1f));
        assertEquals((short) 0x3F80, Half.floatToBf16(Float.intBitsToFloat(0x3F808000))); // tie -> even
        assertEquals((short) 0x3F82, Half.floatToBf16(Float.intBitsToFloat(0x3F818000))); // tie -> even (up)
        assertEquals((short) 0x3F81, Half.floatToBf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7F80, Half.floatToBf16(Float.MAX_VALUE)); // rounds up to infinity
        assertEquals((short) 0x7FC0, Half.floatToBf16(Float.intBitsToFloat(0x7FC00000)));
        assertEquals((short) 0x7FC0, Half.floatToBf16(Float.intBitsToFloat(0x7F800001))); // signalling NaN made quiet
        assertEquals((short) 0xFF80, Half.floatToBf16(Float.NEGATIVE_INFINITY));
        assertEquals(1.5f, Half.bf16ToFloat((short) 0x3FC0));
        assertArrayEquals(new float[] {1f, -2f}, Bf16Codec.INSTANCE.decode(MemorySegment.ofArray(hex("80 3F 00 C0")), 2));
    }

    @Test
    void roundAwayIsCRoundf() {
        assertEquals(3f, Half.roundAway(2.5f));
        assertEquals(-3f, Half.roundAway(-2.5f));
        assertEquals(0f, Half.roundAway(0.49999997f)); // float(x + 0.5) would round this up to 1
        assertEquals(-1f, Half.roundAway(-0.5f));
    }

    @Test
    void q8_0Layout() {
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = -63.5f; // -63.5 * (1/1) rounds away from zero to -64
        x[2] = 0.5f;
        byte[] b = Q8_0Codec.INSTANCE.encode(x);
        // d = 127 / 127 = 1.0 = fp16 3C00; quants 127, -64, 1, 0...
        byte[] want = new byte[34];
        want[1] = 0x3C;
        want[2] = 127;
        want[3] = -64;
        want[4] = 1;
        assertArrayEquals(want, b);
        float[] back = Q8_0Codec.INSTANCE.decode(MemorySegment.ofArray(b), 32);
        assertEquals(-64f, back[1]);
        assertArrayEquals(new byte[34], Q8_0Codec.INSTANCE.encode(new float[32])); // all zero: d = 0
    }

    @Test
    void q4_0Layout() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = (j % 16) - 8; // max |x| = 8 first at x[0] = -8 -> d = 1
        byte[] b = Q4_0Codec.INSTANCE.encode(x);
        StringBuilder want = new StringBuilder("00 3C");
        for (int j = 0; j < 16; j++) want.append(String.format(" %02X", j * 0x11)); // nibble j for x[j] and x[j+16]
        assertArrayEquals(hex(want.toString()), b);
        assertArrayEquals(x, Q4_0Codec.INSTANCE.decode(MemorySegment.ofArray(b), 32));

        float[] y = new float[32];
        y[0] = 8f; // positive extreme: d = 8 / -8 = -1 (fp16 BC00), x = 8 -> nibble 0, zeros -> nibble 8
        byte[] c = Q4_0Codec.INSTANCE.encode(y);
        assertEquals(0x00, c[0] & 0xFF);
        assertEquals(0xBC, c[1] & 0xFF);
        assertEquals(0x80, c[2] & 0xFF);
        assertEquals(0x88, c[3] & 0xFF);
        assertEquals(8f, Q4_0Codec.INSTANCE.decode(MemorySegment.ofArray(c), 32)[0]);
    }

    @Test
    void tq2_0Layout() {
        byte[] trits = new byte[256];
        trits[0] = -1; // byte 0 bits 0-1: code 0
        trits[32] = 1; // byte 0 bits 2-3: code 2
        trits[128] = 1; // byte 32 bits 0-1: code 2
        float[] scales = {Half.f16ToFloat((short) 0x3800)}; // 0.5
        byte[] b = Tq2Codec.INSTANCE.encodeTernary(new TernaryValues(trits, scales, 256));
        byte[] want = new byte[66];
        Arrays.fill(want, 0, 64, (byte) 0x55); // all codes 1 (trit 0)
        want[0] = 0x58; // 0 | 2<<2 | 1<<4 | 1<<6
        want[32] = 0x56; // 2 | 1<<2 | 1<<4 | 1<<6
        want[64] = 0x00;
        want[65] = 0x38;
        assertArrayEquals(want, b);
        float[] v = Tq2Codec.INSTANCE.decode(MemorySegment.ofArray(b), 256);
        assertEquals(-0.5f, v[0]);
        assertEquals(0.5f, v[32]);
        assertEquals(0.5f, v[128]);
        assertEquals(0f, v[1]);
        byte[] bad = b.clone();
        bad[5] = (byte) 0xFF; // code 3
        assertThrows(IllegalArgumentException.class, () -> Tq2Codec.INSTANCE.decodeTernary(MemorySegment.ofArray(bad), 256));
        assertEquals(2 * 0.5f, Tq2Codec.INSTANCE.decode(MemorySegment.ofArray(bad), 256)[5]); // as dequantize_row_tq2_0
    }

    @Test
    void tq1_0Layout() {
        // all trits 0: codes 1 -> 11111 (base 3) = 121 -> ceil(121*256/243) = 128; qh: 1111,0 = 120 -> 127
        byte[] zeros = Tq1Codec.INSTANCE.encodeTernary(new TernaryValues(new byte[256], new float[] {0f}, 256));
        byte[] want = new byte[54];
        Arrays.fill(want, 0, 48, (byte) 128);
        Arrays.fill(want, 48, 52, (byte) 127);
        assertArrayEquals(want, zeros);
        // all trits +1: 22222 = 242 -> ceil(242*256/243) = 255; qh: 2222,0 = 240 -> 253; d = 1.0
        byte[] ones = new byte[256];
        Arrays.fill(ones, (byte) 1);
        byte[] b = Tq1Codec.INSTANCE.encodeTernary(new TernaryValues(ones, new float[] {1f}, 256));
        Arrays.fill(want, 0, 48, (byte) 255);
        Arrays.fill(want, 48, 52, (byte) 253);
        want[52] = 0x00;
        want[53] = 0x3C;
        assertArrayEquals(want, b);
        // one -1 at weight 0 (first, most significant code of byte 0): 02222 = 80 -> ceil(80*256/243) = 85
        ones[0] = -1;
        byte[] c = Tq1Codec.INSTANCE.encodeTernary(new TernaryValues(ones, new float[] {1f}, 256));
        assertEquals(85, c[0] & 0xFF);
        // weight 245 = 240 + 1 + 4*1: qh byte 1, second code: 2022,0 -> (2*27+0*9+2*3+2)*3 = 186 -> 196
        ones[0] = 1;
        ones[245] = -1;
        byte[] d = Tq1Codec.INSTANCE.encodeTernary(new TernaryValues(ones, new float[] {1f}, 256));
        assertEquals(196, d[49] & 0xFF);
        assertEquals(-1f, Tq1Codec.INSTANCE.decode(MemorySegment.ofArray(d), 256)[245]);
        assertEquals(1f, Tq1Codec.INSTANCE.decode(MemorySegment.ofArray(d), 256)[244]);
    }

    @Test
    void i2sLayout() {
        byte[] trits = new byte[128];
        trits[0] = 1;
        trits[32] = -1;
        trits[96] = 1;
        byte[] b = I2sCodec.INSTANCE.encodeTernary(new TernaryValues(trits, new float[] {0.5f}, 128));
        byte[] want = new byte[64];
        Arrays.fill(want, 0, 32, (byte) 0x55); // codes 1 everywhere
        want[0] = (byte) 0x86; // 2<<6 | 0<<4 | 1<<2 | 2
        want[35] = 0x3F; // float 0.5 = 3F000000 little-endian at byte n/4 = 32
        assertArrayEquals(want, b);
        assertEquals(GgmlType.I2_S.bytesFor(128), b.length);
        float[] v = I2sCodec.INSTANCE.decode(MemorySegment.ofArray(b), 128);
        assertEquals(0.5f, v[0]);
        assertEquals(-0.5f, v[32]);
        assertEquals(0f, v[64]);
        // quantize_i2_s: scale = max |x|; |x| < 1e-6 -> 0, else the sign
        float[] x = new float[128];
        x[0] = 0.25f;
        x[32] = -0.5f;
        x[96] = 1e-7f;
        byte[] q = I2sCodec.INSTANCE.encode(x);
        TernaryValues t = I2sCodec.INSTANCE.decodeTernary(MemorySegment.ofArray(q), 128);
        assertEquals(1, t.trits()[0]);
        assertEquals(-1, t.trits()[32]);
        assertEquals(0, t.trits()[96]);
        assertEquals(0.5f, t.scales()[0]);
    }

    @Test
    void ternaryValuesRejectNonTrits() {
        assertThrows(IllegalArgumentException.class, () -> new TernaryValues(new byte[] {2}, new float[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> new TernaryValues(new byte[4], new float[] {1}, 2));
    }

    @Test
    void everyCodecRoundTripsItsOwnOutput() {
        java.util.Random r = new java.util.Random(7);
        for (GgmlType t : GgmlType.values()) {
            BlockCodec c = BlockCodec.find(t).orElse(null);
            if (c == null) continue;
            float[] x = new float[512];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            byte[] once = c.encode(x);
            assertEquals(t.bytesFor(x.length), once.length, t.toString());
            float[] y = c.decode(MemorySegment.ofArray(once), x.length);
            if (t == GgmlType.Q3_K) {
                // ggml's Q3_K quantizer is not idempotent: make_q3_quants' coordinate descent, run on values
                // already on a grid, can settle on other group scales, and the 6-bit scales are then re-fit to
                // a new largest one. ggml's C gives the same bytes (checked with GgmlQuantsOracleTest's harness on
                // 50 such Gaussian draws: 16 fixed points, the others moved by relative RMS 0.02 .. 0.059; this
                // draw 0.055). Re-encoding must still stay well inside Q3_K's own error (relative RMS ~0.15).
                float[] z = c.decode(MemorySegment.ofArray(c.encode(y)), x.length);
                double se = 0, sy = 0;
                for (int i = 0; i < y.length; i++) {
                    se += (z[i] - y[i]) * (double) (z[i] - y[i]);
                    sy += y[i] * (double) y[i];
                }
                assertTrue(Math.sqrt(se / sy) < 0.08, t + ": re-encoding moved the values by " + Math.sqrt(se / sy));
            } else {
                assertArrayEquals(once, c.encode(y), t + ": decode then encode is a fixed point");
            }
            float[] part = new float[256];
            c.decodeRange(MemorySegment.ofArray(once), 256, part, 0, 256);
            assertArrayEquals(Arrays.copyOfRange(y, 256, 512), part, t + ": a range decodes like the whole");
        }
        assertThrows(IllegalArgumentException.class, () -> BlockCodec.of(GgmlType.IQ2_XXS));
    }

    @Test
    void ggmlTypeTable() {
        assertEquals(GgmlType.TQ1_0, GgmlType.byId(34));
        assertEquals(GgmlType.TQ2_0, GgmlType.byId(35));
        assertEquals(GgmlType.I2_S, GgmlType.byId(36));
        assertEquals(GgmlType.BF16, GgmlType.byId(30));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.byId(4)); // removed Q4_2
        assertThrows(IllegalArgumentException.class, () -> GgmlType.byId(31)); // removed Q4_0_4_4
        assertThrows(IllegalArgumentException.class, () -> GgmlType.byId(1000));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.byId(-1));
        // bits per weight as ggml-common.h documents them
        assertEquals(1.6875, GgmlType.TQ1_0.bitsPerWeight());
        assertEquals(2.0625, GgmlType.TQ2_0.bitsPerWeight());
        assertEquals(8.5, GgmlType.Q8_0.bitsPerWeight());
        assertEquals(4.5, GgmlType.Q4_K.bitsPerWeight());
        assertEquals(6.5625, GgmlType.Q6_K.bitsPerWeight());
        assertEquals(2.0, GgmlType.I2_S.bitsPerWeight());
        assertEquals(640 * 2560 + 32, GgmlType.I2_S.bytesFor(2560L * 2560)); // n/4 + 32
        for (GgmlType t : GgmlType.values()) assertEquals(t, GgmlType.byId(t.id()));
    }
}
