package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The llama-quantize codecs (Q2_K, Q3_K, Q4_K, Q5_K, Q4_1, Q5_0, Q5_1, IQ4_NL) against their block
 * layouts (ggml-common.h): registration and sizes, blocks built by hand with their values worked out
 * from the structs' description, zeros, partial blocks, and decode speed on a 2B-model-shaped tensor.
 * Bit-exactness with ggml's C is GgmlQuantsOracleTest's; with llama-quantize's files,
 * LlamaQuantizeFilesTest's.
 */
class KQuantCodecsTest {
    private static final String NEW = "Q4_1|Q5_0|Q5_1|Q2_K|Q3_K|Q4_K|Q5_K|IQ4_NL";

    @Test
    void registeredWithGgmlsSizes() {
        // type, id, block size, block bytes (sizeof the ggml-common.h struct)
        Object[][] want = {
            {GgmlType.Q4_1, 3, 32, 20}, {GgmlType.Q5_0, 6, 32, 22}, {GgmlType.Q5_1, 7, 32, 24}, {GgmlType.Q2_K, 10, 256, 84},
            {GgmlType.Q3_K, 11, 256, 110}, {GgmlType.Q4_K, 12, 256, 144}, {GgmlType.Q5_K, 13, 256, 176}, {GgmlType.IQ4_NL, 20, 32, 18},
        };
        for (Object[] w : want) {
            GgmlType t = (GgmlType) w[0];
            assertEquals(w[1], t.id(), t.name());
            assertEquals(w[2], t.blockSize(), t.name());
            assertEquals(w[3], t.blockBytes(), t.name());
            BlockCodec c = BlockCodec.of(t);
            assertEquals(t, c.type());
            assertEquals(t.name(), c.getClass().getSimpleName().replace("Codec", ""));
        }
    }

    @Test
    void decodesHandBuiltBlocks() {
        // Q4_1: d = 0.5, m = -1; byte 3 = 0x9A: weight 3 has q 10 (low nibble), weight 19 has q 9
        byte[] q41 = new byte[20];
        half(q41, 0, 0.5f);
        half(q41, 2, -1f);
        q41[4 + 3] = (byte) 0x9A;
        float[] y = decode(GgmlType.Q4_1, q41);
        assertEquals(10 * 0.5f - 1, y[3]);
        assertEquals(9 * 0.5f - 1, y[19]);
        assertEquals(-1f, y[0]);
        // Q5_0: d = 2; qh bit 3 and bit 19 set: weight 3 = (16 | 5) - 16 = 5 -> 10, weight 19 = (16 | 15) - 16 -> 30
        byte[] q50 = new byte[22];
        half(q50, 0, 2f);
        q50[2] = 1 << 3;
        q50[4] = 1 << 3; // bit 16 + 3
        q50[6 + 3] = (byte) 0xF5;
        y = decode(GgmlType.Q5_0, q50);
        assertEquals(10f, y[3]);
        assertEquals(30f, y[19]);
        assertEquals(-32f, y[0]); // q 0 - 16
        // Q5_1: d = 0.25, m = 1; weight 31 = high nibble of byte 15 plus qh bit 31
        byte[] q51 = new byte[24];
        half(q51, 0, 0.25f);
        half(q51, 2, 1f);
        q51[7] = (byte) 0x80;
        q51[8 + 15] = 0x70;
        y = decode(GgmlType.Q5_1, q51);
        assertEquals((16 | 7) * 0.25f + 1, y[31]);
        assertEquals(1f, y[15]);
        // IQ4_NL: d = 0.5; byte 0 = 0xF0: weight 0 -> kvalues[0] = -127, weight 16 -> kvalues[15] = 113
        byte[] iq = new byte[18];
        half(iq, 0, 0.5f);
        iq[2] = (byte) 0xF0;
        y = decode(GgmlType.IQ4_NL, iq);
        assertEquals(-63.5f, y[0]);
        assertEquals(56.5f, y[16]);
        assertEquals(0.5f * -127, y[1]);
    }

    @Test
    void decodesHandBuiltKQuantBlocks() {
        // Q2_K: scales[16] at 0, qs[64] at 16, d at 80, dmin at 82. Group 13 (weights 208..223: h 1, k 2,
        // second half of 32) has scale byte 0x35 (scale 5, min 3); weight 210 = 128 + 64 + 16 + 2 is
        // bits 4-5 of qs[32 + 16 + 2]
        byte[] q2 = new byte[84];
        half(q2, 80, 0.5f);
        half(q2, 82, 0.25f);
        q2[13] = 0x35;
        q2[16 + 50] = 0b11_0000;
        float[] y = decode(GgmlType.Q2_K, q2);
        assertEquals(0.5f * 5 * 3 - 0.25f * 3, y[210]);
        assertEquals(-0.75f, y[208]);
        assertEquals(0f, y[0]);
        // Q3_K: hmask[32] at 0, qs[64] at 32, scales[12] at 96, d at 108. Group 9 (weights 144..159):
        // low nibble = high nibble of scales[1], top bits = bits 4-5 of scales[8 + 1] -> 0x7 | 2 << 4 =
        // 39, minus 32 = 7. Weight 150 = 128 + 0 + 22: qs[32 + 22] bits 0-1 = 2, hmask[22] bit 4 set (no -4)
        byte[] q3 = new byte[110];
        half(q3, 108, 2f);
        q3[96 + 1] = 0x70;
        q3[96 + 9] = 0b10_0000;
        q3[32 + 32 + 22] = 2;
        q3[22] = 1 << 4;
        y = decode(GgmlType.Q3_K, q3);
        assertEquals(2f * 7 * 2, y[150]);
        assertEquals(2f * 7 * -4, y[151]); // q 0, high bit clear: 0 - 4
        assertEquals(2f * -32 * -4, y[0]); // scale 0 - 32, q 0 - 4
        // Q4_K: d, dmin, scales[12] at 4, qs at 16. Sub-block 5 (weights 160..191): scale = low nibble of
        // scales[9] | top 2 bits of scales[1] << 4, min = high nibble of scales[9] | top bits of scales[5]
        byte[] q4 = new byte[144];
        half(q4, 0, 0.5f);
        half(q4, 2, 2f);
        q4[4 + 9] = (byte) 0x3A; // scale low 10, min low 3
        q4[4 + 1] = (byte) 0x40; // scale top bits 1 -> 26
        q4[4 + 5] = (byte) 0x80; // min top bits 2 -> 35
        q4[16 + 64 + 7] = (byte) 0xC0; // weight 128 + 32 + 7 = 167: high nibble of qs[64 + 7] = 12
        y = decode(GgmlType.Q4_K, q4);
        assertEquals(0.5f * 26 * 12 - 2f * 35, y[167]);
        assertEquals(-70f, y[160]);
        // Q5_K: as Q4_K plus qh[32] at 16, qs at 48; weight 167 (c 2, h 1) takes bit 5 of qh[7]
        byte[] q5 = new byte[176];
        half(q5, 0, 0.5f);
        half(q5, 2, 2f);
        q5[4 + 9] = (byte) 0x3A;
        q5[4 + 1] = (byte) 0x40;
        q5[4 + 5] = (byte) 0x80;
        q5[16 + 7] = 1 << 5;
        q5[48 + 64 + 7] = (byte) 0xC0;
        y = decode(GgmlType.Q5_K, q5);
        assertEquals(0.5f * 26 * (12 + 16) - 2f * 35, y[167]);
        assertEquals(-70f, y[160]);
    }

    @Test
    void zerosEncodeAsGgmlDoes() {
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_1, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K}) {
            assertArrayEquals(new byte[2 * t.blockBytes()], BlockCodec.of(t).encode(new float[2 * t.blockSize()]), t.name());
        }
        // Q5_0: d = 0 / -16 = -0.0 (fp16 0x8000), and every quant (int8) (0 + 16.5) = 16: fifth bits all set
        byte[] q50 = BlockCodec.of(GgmlType.Q5_0).encode(new float[32]);
        byte[] want50 = new byte[22];
        want50[1] = (byte) 0x80;
        Arrays.fill(want50, 2, 6, (byte) 0xFF);
        assertArrayEquals(want50, q50);
        // IQ4_NL: d = 0, and x = 0 picks index 8 (kvalues 1), the first entry whose midpoint with its predecessor is <= 0
        byte[] iq = BlockCodec.of(GgmlType.IQ4_NL).encode(new float[32]);
        byte[] want = new byte[18];
        Arrays.fill(want, 2, 18, (byte) 0x88);
        assertArrayEquals(want, iq);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "IQ4_NL"})
    void rejectsPartialBlocks(GgmlType t) {
        BlockCodec c = BlockCodec.of(t);
        assertThrows(IllegalArgumentException.class, () -> c.encode(new float[t.blockSize() + 1]));
        assertThrows(IllegalArgumentException.class, () -> c.decode(MemorySegment.ofArray(new byte[t.blockBytes()]), t.blockSize() / 2));
        assertThrows(IllegalArgumentException.class, () -> c.decodeRange(MemorySegment.ofArray(new byte[2 * t.blockBytes()]), 16, new float[t.blockSize()], 0, t.blockSize()));
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL"})
    void decodesA2bShapedTensorWellUnderASecond(GgmlType t) {
        // 2560 x 6912 (a 2B model's FFN matrix), 17.7M weights; best of 3 after a warm-up
        int n = 2560 * 6912;
        byte[] raw = new byte[Math.toIntExact(t.bytesFor(n))];
        Random r = new Random(t.id());
        r.nextBytes(raw);
        int bb = t.blockBytes(), per = t.blockSize();
        for (int b = 0; b < raw.length / bb; b++) {
            // finite scales: clear the fp16 exponent's top bit wherever this type keeps a half
            for (int at : halves(t)) raw[b * bb + at + 1] &= (byte) 0x3F;
        }
        BlockCodec c = BlockCodec.of(t);
        MemorySegment seg = MemorySegment.ofArray(raw);
        float[] out = new float[n];
        c.decode(seg, out, 0, per * 4096);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            c.decode(seg, out, 0, n);
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("%-7s decode 2560 x 6912: %.0f ms%n", t, best / 1e6);
        for (int i = 0; i < n; i += 9973) assertTrue(Float.isFinite(out[i]), t + " weight " + i);
        assertTrue(best < 1_000_000_000L, t + ": " + best / 1e6 + " ms");
    }

    /** Byte offsets of the fp16 fields of a block. */
    private static int[] halves(GgmlType t) {
        return switch (t) {
            case Q4_0, Q5_0, IQ4_NL -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    private static float[] decode(GgmlType t, byte[] block) {
        return BlockCodec.of(t).decode(MemorySegment.ofArray(block), t.blockSize());
    }

    private static void half(byte[] b, int at, float v) {
        short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }
}
