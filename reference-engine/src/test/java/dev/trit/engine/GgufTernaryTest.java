package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.I2sCodec;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.TernaryCodec;
import dev.trit.formats.TernaryValues;
import dev.trit.formats.Tq1Codec;
import dev.trit.formats.Tq2Codec;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The row-range loader against the whole-tensor path: a tensor decoded a few rows at a time must equal
 * {@link TernaryMatrix#fromTernaryValues} of the whole tensor's values, trit for trit and scale.
 */
class GgufTernaryTest {
    private static final int ROWS = 37, COLS = 512; // 37 rows: not a multiple of the 5-row steps below
    private static final float SCALE = 0.375f; // exact in fp16 and fp32

    static Stream<TernaryCodec> codecs() {
        return Stream.of(Tq1Codec.INSTANCE, Tq2Codec.INSTANCE, I2sCodec.INSTANCE);
    }

    static Stream<TernaryCodec> tqCodecs() {
        return Stream.of(Tq1Codec.INSTANCE, Tq2Codec.INSTANCE);
    }

    /**
     * Random trits with scale SCALE, or {@code later} from row 20 on; for TQ every 7th block from the
     * 4th is all zero with ggml's stored scale 0, which carries no scale.
     */
    private static MemorySegment tensor(TernaryCodec codec, long seed, float later) {
        Random rnd = new Random(seed);
        int n = ROWS * COLS, group = codec.groupSize(n);
        byte[] trits = new byte[n];
        for (int i = 0; i < n; i++) trits[i] = (byte) (rnd.nextInt(3) - 1);
        float[] scales = new float[n / group];
        for (int g = 0; g < scales.length; g++) {
            scales[g] = (long) g * group >= 20L * COLS ? later : SCALE;
            if (group < n && g % 7 == 3) {
                java.util.Arrays.fill(trits, g * group, (g + 1) * group, (byte) 0);
                scales[g] = 0;
            }
        }
        return MemorySegment.ofArray(codec.encodeTernary(new TernaryValues(trits, scales, group)));
    }

    private static TensorInfo info(GgmlType type, long bytes) {
        return new TensorInfo("blk.0.attn_q.weight", type, new long[] {ROWS, COLS}, 0, bytes);
    }

    private static void assertSame(TernaryMatrix want, TernaryMatrix got) {
        assertEquals(want.rows(), got.rows());
        assertEquals(want.cols(), got.cols());
        assertEquals(want.scale(), got.scale());
        for (int r = 0; r < want.rows(); r++) {
            for (int c = 0; c < want.cols(); c++) assertEquals(want.trit(r, c), got.trit(r, c), "row " + r + " column " + c);
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void rowRangesEqualTheWholeTensor(TernaryCodec codec) {
        MemorySegment data = tensor(codec, 42, SCALE);
        TernaryMatrix want = TernaryMatrix.fromTernaryValues(ROWS, COLS, codec.decodeTernary(data, ROWS * COLS));
        TensorInfo t = info(codec.type(), data.byteSize());
        assertEquals(SCALE, want.scale());
        assertSame(want, GgufTernary.load(t, data, 5 * COLS)); // 7 steps of 5 rows, then 2
        assertSame(want, GgufTernary.load(t, data, 1)); // one row a step
        assertSame(want, GgufTernary.load(t, data)); // one step
    }

    /** Rows 20.. differ: found across steps (5 rows, 1 row) and within one step (the whole tensor). */
    @ParameterizedTest
    @MethodSource("tqCodecs")
    void refusesBlocksWithDifferentScales(TernaryCodec codec) {
        MemorySegment data = tensor(codec, 7, 0.5f);
        TensorInfo t = info(codec.type(), data.byteSize());
        assertThrows(IllegalArgumentException.class, () -> TernaryMatrix.fromTernaryValues(ROWS, COLS, codec.decodeTernary(data, ROWS * COLS)));
        for (int chunk : new int[] {5 * COLS, 1, GgufTernary.CHUNK_WEIGHTS}) {
            var e = assertThrows(IllegalArgumentException.class, () -> GgufTernary.load(t, data, chunk));
            assertEquals("blk.0.attn_q.weight: blocks carry different scales; the engine needs one scale per tensor", e.getMessage());
        }
    }

    @Test
    void refusesAllZeroTensor() {
        byte[] b = Tq2Codec.INSTANCE.encodeTernary(new TernaryValues(new byte[ROWS * COLS], new float[ROWS * COLS / 256], 256));
        var e = assertThrows(IllegalArgumentException.class, () -> GgufTernary.load(info(GgmlType.TQ2_0, b.length), MemorySegment.ofArray(b), COLS));
        assertTrue(e.getMessage().contains("every weight is 0"), e.getMessage());
    }

    /** llama.cpp's bitnet F16 layout: ternary times one scale; the scale is max |x|. */
    @Test
    void floatTensorHoldingTernaryValues() {
        Random rnd = new Random(3);
        byte[] trits = new byte[ROWS * COLS];
        float[] v = new float[trits.length];
        for (int i = 0; i < v.length; i++) {
            trits[i] = (byte) (rnd.nextInt(3) - 1);
            v[i] = trits[i] * SCALE;
        }
        MemorySegment data = MemorySegment.ofArray(BlockCodec.of(GgmlType.F16).encode(v));
        TensorInfo t = info(GgmlType.F16, data.byteSize());
        assertSame(TernaryMatrix.fromTrits(ROWS, COLS, trits, SCALE), GgufTernary.load(t, data, 5 * COLS));

        v[ROWS * COLS - 1] = SCALE / 2; // in the last, short step
        MemorySegment bad = MemorySegment.ofArray(BlockCodec.of(GgmlType.F16).encode(v));
        var e = assertThrows(IllegalArgumentException.class, () -> GgufTernary.load(t, bad, 5 * COLS));
        assertTrue(e.getMessage().contains("not ternary (value 0.1875 besides +-0.375)"), e.getMessage());
    }

    /** TQ1_0 packed (-Dtrit.tq1Packed=true) holds the trits and scale the in-place reading does, rows permuted or not. */
    @Test
    void tq1PackedEqualsInPlace() {
        MemorySegment data = tensor(Tq1Codec.INSTANCE, 7, SCALE);
        TensorInfo t = info(GgmlType.TQ1_0, data.byteSize());
        int[] rowOf = new int[ROWS];
        for (int s = 0; s < ROWS; s++) rowOf[s] = (s * 11 + 4) % ROWS;
        for (int[] order : new int[][] {null, rowOf}) {
            TernaryMatrix inPlace = GgufTernary.load(t, data, 5 * COLS, order, true), packed = GgufTernary.load(t, data, 5 * COLS, order, false);
            assertTrue(inPlace.tq1InPlace());
            assertFalse(packed.tq1InPlace());
            assertSame(inPlace, packed);
        }
    }
}
