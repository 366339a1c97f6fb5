package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q6_K against its layout (ggml-common.h block_q6_K, dequantize_row_q6_K): blocks built by hand and
 * their values worked out from the documented formula d * scale * (q - 32); and properties of the
 * encoder (quantize_row_q6_K_ref). Byte identity with llama-quantize's Q6_K tensors is
 * LlamaQuantizeFilesTest's, with ggml's C GgmlQuantsOracleTest's.
 */
class Q6_KCodecTest {
    private static final int BYTES = 210;

    @Test
    void blockSizes() {
        assertEquals(256, GgmlType.Q6_K.blockSize());
        assertEquals(128 + 64 + 16 + 2, GgmlType.Q6_K.blockBytes()); // ql, qh, scales, d
        assertEquals(14, GgmlType.Q6_K.id());
        assertEquals(Q6_KCodec.INSTANCE, BlockCodec.of(GgmlType.Q6_K));
    }

    @Test
    void decodesAHandBuiltBlock() {
        byte[] b = new byte[BYTES];
        b[208] = 0x00; // d = fp16 0x3800 = 0.5, little-endian
        b[209] = 0x38;
        byte[] sc = new byte[16];
        sc[0] = 2;
        sc[2] = -3;
        sc[4] = 127;
        sc[6] = -128;
        sc[9] = 5;
        sc[15] = -1;
        System.arraycopy(sc, 0, b, 192, 16);
        // first half, l = 0: ql[0] = 0xA5 holds weight 0 (low nibble 5) and weight 64 (high nibble 10);
        // ql[32] = 0x3C holds weight 32 (12) and weight 96 (3); qh[0] = 0b11_10_01_00 gives their high
        // 2 bits 0, 1, 2, 3 (weights 0, 32, 64, 96 in that order)
        b[0] = (byte) 0xA5;
        b[32] = 0x3C;
        b[128] = (byte) 0xE4;
        // second half: weight 145 = 128 + 17 is the low nibble of ql[64 + 17], high bits 0-1 of qh[32 + 17];
        // weight 255 = 128 + 96 + 31 is the high nibble of ql[64 + 32 + 31], high bits 6-7 of qh[32 + 31]
        b[81] = 0x07;
        b[128 + 49] = 0x02;
        b[127] = (byte) 0xF0;
        b[128 + 63] = (byte) 0xC0;
        float[] want = new float[256];
        for (int i = 0; i < 256; i++) want[i] = 0.5f * sc[i / 16] * -32; // every other quant is 0: q - 32 = -32
        want[0] = 0.5f * 2 * (5 - 32); // -27
        want[32] = 0.5f * -3 * ((12 | 1 << 4) - 32); // q 28: 6
        want[64] = 0.5f * 127 * ((10 | 2 << 4) - 32); // q 42: 635
        want[96] = 0.5f * -128 * ((3 | 3 << 4) - 32); // q 51: -1216
        want[145] = 0.5f * 5 * ((7 | 2 << 4) - 32); // q 39: 17.5
        want[255] = 0.5f * -1 * ((15 | 3 << 4) - 32); // q 63: -15.5
        assertEquals(-27f, want[0]);
        assertEquals(6f, want[32]);
        assertEquals(635f, want[64]);
        assertEquals(-1216f, want[96]);
        assertEquals(17.5f, want[145]);
        assertEquals(-15.5f, want[255]);
        assertArrayEquals(want, Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(b), 256));
    }

    @Test
    void decodesRandomBlocksAsTheStructDescribes() {
        // random bytes (random fp16 d: subnormals, infinities, NaNs too), unpacked here weight by weight
        // from the struct's description
        Random r = new Random(11);
        byte[] b = new byte[3 * BYTES];
        r.nextBytes(b);
        float[] got = new float[3 * 256];
        Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(b), got, 0, got.length);
        for (int blk = 0; blk < 3; blk++) {
            int o = blk * BYTES;
            float d = Float.float16ToFloat((short) (b[o + 208] & 0xFF | b[o + 209] << 8));
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int ql0 = b[o + 64 * h + l] & 0xFF, ql1 = b[o + 64 * h + 32 + l] & 0xFF, qh = b[o + 128 + 32 * h + l] & 0xFF;
                    int[] q = {(ql0 & 15) | (qh & 3) << 4, (ql1 & 15) | (qh >> 2 & 3) << 4, (ql0 >> 4) | (qh >> 4 & 3) << 4, (ql1 >> 4) | (qh >> 6 & 3) << 4};
                    for (int k = 0; k < 4; k++) {
                        int i = 128 * h + 32 * k + l;
                        byte s = b[o + 192 + 8 * h + 2 * k + l / 16];
                        float ds = d * s;
                        float want = ds * (q[k] - 32);
                        assertEquals(want, got[blk * 256 + i], "block " + blk + " weight " + i);
                    }
                }
            }
        }
    }

    @Test
    void roundingIsHalfToEven() {
        assertEquals(0, Q6_KCodec.nearestInt(0.5f));
        assertEquals(2, Q6_KCodec.nearestInt(1.5f));
        assertEquals(2, Q6_KCodec.nearestInt(2.5f));
        assertEquals(0, Q6_KCodec.nearestInt(-0.5f));
        assertEquals(-2, Q6_KCodec.nearestInt(-1.5f));
        assertEquals(32, Q6_KCodec.nearestInt(31.5f));
        assertEquals(-32, Q6_KCodec.nearestInt(-32.5f));
        assertEquals(3, Q6_KCodec.nearestInt(2.5000002f));
        assertEquals(-7, Q6_KCodec.nearestInt(-6.7f));
        assertEquals(4194303, Q6_KCodec.nearestInt(4194303f));
    }

    @Test
    void zerosEncodeToAnAllZeroBlock() {
        assertArrayEquals(new byte[2 * BYTES], Q6_KCodec.INSTANCE.encode(new float[512]));
        // below GROUP_MAX_EPS (1e-15) a block counts as zero
        float[] tiny = new float[256];
        tiny[7] = 1e-16f;
        tiny[200] = -5e-16f;
        assertArrayEquals(new byte[BYTES], Q6_KCodec.INSTANCE.encode(tiny));
        // a zero group inside a non-zero block decodes to zeros (its scale is 0)
        float[] x = gaussian(new Random(3), 256, 1f);
        for (int i = 48; i < 64; i++) x[i] = 0f;
        byte[] enc = Q6_KCodec.INSTANCE.encode(x);
        assertEquals(0, enc[192 + 3]);
        float[] y = Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(enc), 256);
        for (int i = 48; i < 64; i++) assertEquals(0f, y[i], 0f);
    }

    @Test
    void encodeRoundsEachWeightToTheNearestStoredLevel() {
        // whatever scales the encoder picks, every weight must decode to the nearest of the 64 levels
        // d * scale * (q - 32) its group offers. Error bound: a group's fitted step is about max/32
        // (make_qx_quants tries 32 +- 0.9 levels), so rounding costs at most half a step, and clamping
        // the largest weight (the step may come out smaller) about a step: max/32 with 5% slack. Storing
        // the step as d * int8 scale changes it by up to 0.5/|scale| relatively, which moves the largest
        // weight (32 steps) by up to max/|scale|: that term matters in blocks where an outlier group
        // sets d and the other groups get small int8 scales.
        Random r = new Random(5);
        for (float sigma : new float[] {1f, 0.02f, 300f}) {
            for (boolean outliers : new boolean[] {false, true}) {
                int n = 16 * 256;
                float[] x = gaussian(r, n, sigma);
                if (outliers) for (int i = 0; i < 40; i++) x[r.nextInt(n)] *= 8;
                byte[] enc = Q6_KCodec.INSTANCE.encode(x);
                float[] y = Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(enc), n);
                double se = 0, sx = 0;
                for (int blk = 0; blk < n / 256; blk++) {
                    float d = Float.float16ToFloat((short) (enc[blk * BYTES + 208] & 0xFF | enc[blk * BYTES + 209] << 8));
                    for (int g = 0; g < 16; g++) {
                        int s = enc[blk * BYTES + 192 + g];
                        float ds = d * s;
                        float gmax = 0;
                        for (int i = 0; i < 16; i++) gmax = Math.max(gmax, Math.abs(x[blk * 256 + 16 * g + i]));
                        assertTrue(ds != 0f, "a Gaussian group gets a non-zero scale");
                        float bound = gmax / 32f * 1.05f + (outliers ? gmax / Math.abs(s) : gmax / 1024f);
                        for (int i = 0; i < 16; i++) {
                            int at = blk * 256 + 16 * g + i;
                            float best = Float.NaN;
                            for (int q = -32; q <= 31; q++) {
                                float v = ds * q;
                                if (Float.isNaN(best) || Math.abs(x[at] - v) < Math.abs(x[at] - best)) best = v;
                            }
                            // ties (|x - v| equal) may go either way: compare errors, not values
                            assertEquals(Math.abs(x[at] - best), Math.abs(x[at] - y[at]), Math.ulp(x[at]) * 4, "weight " + at);
                            assertTrue(Math.abs(x[at] - y[at]) <= bound, "weight " + at + ": " + x[at] + " -> " + y[at] + ", group max " + gmax);
                            se += (x[at] - y[at]) * (double) (x[at] - y[at]);
                            sx += x[at] * (double) x[at];
                        }
                    }
                }
                // uniform rounding error over a step ~ max/32 ~ 2.5 sigma / 32: rms ~ 0.023 sigma; allow 0.035
                assertTrue(Math.sqrt(se / sx) < 0.035, sigma + (outliers ? " with outliers" : "") + ": relative rms error " + Math.sqrt(se / sx));
            }
        }
    }

    @Test
    void reEncodingDecodedValuesIsStable() {
        Random r = new Random(9);
        float[] x = gaussian(r, 64 * 256, 0.05f);
        byte[] once = Q6_KCodec.INSTANCE.encode(x);
        float[] y = Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(once), x.length);
        byte[] twice = Q6_KCodec.INSTANCE.encode(y);
        float[] z = Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(twice), x.length);
        // equal as numbers: a zero level may come back as -0.0 when a group's scale changes sign
        for (int i = 0; i < x.length; i++) assertEquals(y[i], z[i], 0f, "decode -> encode -> decode, weight " + i);
    }

    @Test
    void rejectsPartialBlocks() {
        assertThrows(IllegalArgumentException.class, () -> Q6_KCodec.INSTANCE.encode(new float[255]));
        assertThrows(IllegalArgumentException.class, () -> Q6_KCodec.INSTANCE.decode(MemorySegment.ofArray(new byte[BYTES]), 128));
    }

    private static float[] gaussian(Random r, int n, float sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * sigma;
        return x;
    }
}
