package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.testing.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Recognition of ternary-valued float matrices: exact on TriLM's layout, never on float weights. */
class TernaryScalesTest {
    private static final Pattern LINEAR = Pattern.compile("model\\.layers\\.\\d+\\.(self_attn|mlp)\\.(q|k|v|o|gate|up|down)_proj\\.weight");

    private static float[] floats(TensorFile f, TensorInfo t) {
        return BlockCodec.of(GgmlType.F16).decode(f.data(t), Math.toIntExact(t.elements()));
    }

    @Test
    void everyTrilmLinearHasTwoShardScales() throws Exception {
        Path dir = SharedFixtures.replica("trilm-f16");
        int linears = 0;
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            TensorFile f = ck.weights();
            for (TensorInfo t : f.tensors()) {
                float[] w = floats(f, t);
                long rows = t.rank() == 2 ? t.dim(0) : 1, cols = t.rank() == 2 ? t.dim(1) : t.elements();
                Optional<TernaryScales.Recognized> r = TernaryScales.recognize(w, rows, cols, 2);
                if (!LINEAR.matcher(t.name()).matches()) {
                    assertTrue(r.isEmpty(), t.name() + " is float, not ternary");
                    continue;
                }
                linears++;
                assertTrue(r.isPresent(), t.name());
                TernaryScales s = r.get().scales();
                boolean rowParallel = t.name().contains("o_proj") || t.name().contains("down_proj");
                assertEquals(rowParallel ? TernaryScales.Axis.COLUMNS : TernaryScales.Axis.ROWS, s.axis(), t.name());
                long half = (rowParallel ? cols : rows) / 2;
                assertArrayEquals(new long[] {0, half}, s.starts(), t.name());
                assertEquals(2, s.distinctScales().length, t.name());
                assertTrue(s.scalesAreF16(), t.name());
                assertEquals(0, s.negativeZeros());
                assertEquals(!rowParallel, s.alignsWith(256), t.name() + ": column regions split at " + half + " straddle 256-blocks");
                // exact, bitwise: trit * scale reproduces every value
                for (long i = 0; i < rows; i++) {
                    for (long j = 0; j < cols; j++) {
                        float v = w[(int) (i * cols + j)];
                        assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(r.get().value(i, j)), t.name() + " [" + i + "," + j + "]");
                    }
                }
                // the hint is not needed: the runs are detected without it
                assertArrayEquals(s.starts(), TernaryScales.recognize(w, rows, cols, 0).orElseThrow().scales().starts(), t.name());
                // and the trits are the generator's (make_replicas.py: trits("trilm-f16/<name>/trits"), row 0 of o/down zeroed)
                if (t.name().startsWith("model.layers.0.")) {
                    byte[] want = generatorTrits("trilm-f16/" + t.name() + "/trits", w.length);
                    if (rowParallel) java.util.Arrays.fill(want, 0, (int) cols, (byte) 0);
                    assertArrayEquals(want, r.get().trits(), t.name());
                }
            }
        }
        assertEquals(14, linears);
    }

    @Test
    void floatLinearsAreNotTernary() throws Exception {
        try (HfCheckpoint ck = HfCheckpoint.open(Fixtures.hf("mini-llama-f16"))) {
            TensorFile f = ck.weights();
            int n = 0;
            for (TensorInfo t : f.tensors()) {
                if (t.rank() != 2) continue;
                float[] w = BlockCodec.of(GgmlType.F16).decode(f.data(t), Math.toIntExact(t.elements()));
                for (int hint : new int[] {0, 1, 2, 4}) assertTrue(TernaryScales.recognize(w, t.dim(0), t.dim(1), hint).isEmpty(), t.name());
                n++;
            }
            assertTrue(n >= 7);
        }
    }

    @Test
    void oneValueOffBreaksRecognition() {
        float a = 0.25f, b = 0.375f;
        float[] w = new float[8 * 512];
        for (int i = 0; i < w.length; i++) w[i] = ((i * 7) % 3 - 1) * (i % 512 < 256 ? a : b);
        TernaryScales s = TernaryScales.recognize(w, 8, 512, 0).orElseThrow().scales();
        assertEquals(TernaryScales.Axis.COLUMNS, s.axis());
        assertTrue(s.alignsWith(256));
        assertEquals("columns [0,256) 0.25, [256,512) 0.375", s.describe());
        float[] off = w.clone();
        off[1000] = Math.nextUp(Math.abs(off[1000]) > 0 ? off[1000] : a); // one ulp
        assertTrue(TernaryScales.recognize(off, 8, 512, 0).isEmpty());
        float[] nan = w.clone();
        nan[5] = Float.NaN;
        assertTrue(TernaryScales.recognize(nan, 8, 512, 0).isEmpty());
        // a third scale inside a region: neither rows nor columns hold it
        float[] mixed = w.clone();
        mixed[3] = 0.5f;
        assertTrue(TernaryScales.recognize(mixed, 8, 512, 2).isEmpty());
        // all zeros carry no scale: not called ternary
        assertTrue(TernaryScales.recognize(new float[512], 1, 512, 0).isEmpty());
        // one scale: per tensor
        float[] one = new float[512];
        for (int i = 0; i < one.length; i++) one[i] = (i % 3 - 1) * a;
        TernaryScales t = TernaryScales.recognize(one, 2, 256, 2).orElseThrow().scales();
        assertEquals(TernaryScales.Axis.TENSOR, t.axis());
        // -0.0 counts as a zero trit and is reported
        one[1] = -0.0f;
        assertEquals(1, TernaryScales.recognize(one, 2, 256, 0).orElseThrow().scales().negativeZeros());
    }

    @Test
    void rowBlocksWithTheParallelHint() {
        // 4 row blocks of 2 rows; block 2 all zero: with hint 4 it is its own region (scale 0)
        float[] scales = {0.5f, 0.75f, 0, 0.5f};
        float[] w = new float[8 * 16];
        for (int r = 0; r < 8; r++) for (int c = 0; c < 16; c++) w[r * 16 + c] = ((r + c) % 3 - 1) * scales[r / 2];
        TernaryScales h = TernaryScales.recognize(w, 8, 16, 4).orElseThrow().scales();
        assertEquals(TernaryScales.Axis.ROWS, h.axis());
        assertArrayEquals(new long[] {0, 2, 4, 6}, h.starts());
        assertArrayEquals(new float[] {0.5f, 0.75f, 0, 0.5f}, h.scales());
        TernaryScales d = TernaryScales.recognize(w, 8, 16, 0).orElseThrow().scales();
        assertArrayEquals(new long[] {0, 2, 6}, d.starts()); // the zero rows join the run before them
        assertArrayEquals(new float[] {0.5f, 0.75f, 0.5f}, d.scales());
        assertFalse(d.alignsWith(256));
    }

    /** make_replicas.py's trits(key): splitmix64 over counters seeded by SHA-256(key). */
    static byte[] generatorTrits(String key, int n) throws Exception {
        byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        long seed = 0;
        for (int i = 7; i >= 0; i--) seed = (seed << 8) | (h[i] & 0xFF);
        byte[] t = new byte[n];
        for (int i = 0; i < n; i++) {
            long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double u = (z >>> 11) * (1.0 / 9007199254740992.0);
            t[i] = (byte) (u < 1.0 / 3.0 ? -1 : u < 2.0 / 3.0 ? 0 : 1);
        }
        return t;
    }
}
