package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stored-precision matrices: exact widening, and products equal to those over the widened floats. */
class StoredMatrixTest {
    /**
     * A mapped matrix is read through a plain native view (see StoredMatrix.kernelView): same bytes, same
     * lifetime. Once the file's arena is closed the view refuses access (an exception, not a read of
     * unmapped memory).
     */
    @Test
    void mappedDataIsReadThroughANativeViewOfTheSameLifetime(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("m.bin");
        float[] values = {1f, -2f, 3.5f, 0.25f, 7f, -8f};
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        java.nio.file.Files.write(f, b.array());
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        StoredMatrix m;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
            MemorySegment mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, 4L * values.length, arena);
            m = new StoredMatrix(2, 3, StoredMatrix.Encoding.F32, mapped);
            org.junit.jupiter.api.Assertions.assertFalse(m.data().isMapped());
            assertEquals(mapped.address(), m.data().address());
        }
        for (int r = 0; r < 2; r++) for (int c = 0; c < 3; c++) assertEquals(values[3 * r + c], m.get(r, c));
        arena.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> m.get(0, 0));
    }

    /**
     * x . w over cols in the engine's documented decode order: vector k of lanes (the preferred species)
     * into fma chain k mod chains, the chains added in order, then the lanes in order, then the tail.
     */
    static float chainedDot(float[] x, int xo, float[] w, int wo, int cols, int chains) {
        var f = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var acc = new jdk.incubator.vector.FloatVector[chains];
        for (int k = 0; k < chains; k++) acc[k] = jdk.incubator.vector.FloatVector.zero(f);
        int c = 0, k = 0;
        for (; c < f.loopBound(cols); c += f.length(), k = (k + 1) % chains) {
            acc[k] = jdk.incubator.vector.FloatVector.fromArray(f, x, xo + c).fma(jdk.incubator.vector.FloatVector.fromArray(f, w, wo + c), acc[k]);
        }
        var sum = acc[0];
        for (int i = 1; i < chains; i++) sum = sum.add(acc[i]);
        float s = 0f;
        for (int i = 0; i < f.length(); i++) s += sum.lane(i);
        for (; c < cols; c++) s += x[xo + c] * w[wo + c];
        return s;
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void everyHalfWidensAsFloat16ToFloat() {
        // guards any future vectorized widening (one was tried; see StoredMatrix.decodeRow)
        // all 65536 bit patterns: zeros, subnormals, normals, infinities, NaNs with payloads, both signs
        MemorySegment m = MemorySegment.ofArray(new byte[2 * 65536]);
        for (int i = 0; i < 65536; i++) m.setAtIndex(U16, i, (short) i);
        StoredMatrix s = new StoredMatrix(1, 65536, StoredMatrix.Encoding.F16, m);
        float[] got = new float[65536];
        s.decodeRow(0, got, 0);
        for (int i = 0; i < 65536; i++) {
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) i)), Float.floatToRawIntBits(got[i]), "half 0x" + Integer.toHexString(i));
        }
    }

    @Test
    void everyBfloat16WidensByShifting() {
        MemorySegment m = MemorySegment.ofArray(new byte[2 * 65536]);
        for (int i = 0; i < 65536; i++) m.setAtIndex(U16, i, (short) i);
        float[] got = new float[65536];
        new StoredMatrix(1, 65536, StoredMatrix.Encoding.BF16, m).decodeRow(0, got, 0);
        for (int i = 0; i < 65536; i++) assertEquals(i << 16, Float.floatToRawIntBits(got[i]), "bf16 0x" + Integer.toHexString(i));
    }

    @Test
    void blockTypesNeedWholeBlocks() {
        MemorySegment m = MemorySegment.ofArray(new byte[210 * 4]);
        new StoredMatrix(1, 512, StoredMatrix.Encoding.Q6_K, m);
        // 288 = 9 blocks of 32 but not whole Q6_K super-blocks of 256
        IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new StoredMatrix(1, 288, StoredMatrix.Encoding.Q6_K, m));
        assertEquals("Q6_K rows must be whole blocks of 256, got 288", ex.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new StoredMatrix(4, 256, StoredMatrix.Encoding.Q6_K, m.asSlice(0, 210 * 3)));
    }

    @ParameterizedTest(name = "{0} rows {1} cols {2} tokens {3}")
    @CsvSource({"F16, 9, 40, 1", "F16, 9, 40, 12", "BF16, 5, 37, 3", "F32, 6, 33, 9", "Q8_0, 7, 64, 2", "Q8_0, 7, 96, 10", "Q4_0, 7, 64, 1", "Q4_0, 9, 96, 3", "Q4_0, 5, 64, 9", "Q8_0, 33, 128, 1", "F16, 130, 256, 5", "F16, 131, 256, 1",
            "Q6_K, 7, 256, 1", "Q6_K, 5, 512, 3", "Q6_K, 9, 768, 10", "Q6_K, 33, 256, 1",
            "Q4_1, 7, 64, 1", "Q4_1, 5, 96, 9", "Q5_0, 7, 64, 1", "Q5_0, 5, 96, 9", "Q5_1, 7, 64, 2", "Q5_1, 9, 128, 10",
            "IQ4_NL, 7, 64, 1", "IQ4_NL, 5, 96, 9", "Q2_K, 7, 256, 1", "Q2_K, 5, 512, 9", "Q3_K, 7, 256, 1", "Q3_K, 9, 512, 10",
            "Q4_K, 7, 256, 1", "Q4_K, 5, 512, 3", "Q4_K, 9, 768, 10", "Q5_K, 7, 256, 1", "Q5_K, 9, 512, 12"})
    void productsEqualTheWidenedFloatMatrix(StoredMatrix.Encoding e, int rows, int cols, int tokens) {
        // the stored path widens rows and runs the same float kernels, so results are bit-identical
        Random rnd = new Random(rows * 13L + cols);
        long rb = e.rowBytes(cols);
        MemorySegment m = MemorySegment.ofArray(new byte[(int) (rows * rb)]);
        for (int i = 0; i < m.byteSize(); i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        if (e.blocked() && e != StoredMatrix.Encoding.Q8_0 && e != StoredMatrix.Encoding.Q4_0 && e != StoredMatrix.Encoding.Q6_K) {
            // the other block types: llama-quantize's encoding (formats' codec) of Gaussian rows
            float[] w = new float[rows * cols];
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
            MemorySegment.copy(dev.trit.formats.BlockCodec.of(e.ggmlType()).encode(w), 0, m, ValueLayout.JAVA_BYTE, 0, (int) m.byteSize());
        } else if (e == StoredMatrix.Encoding.Q6_K) {
            // fp16 d at byte 208 of each 210-byte block; random bytes elsewhere (int8 scales, 6-bit quants)
            for (long b = 0; b < m.byteSize(); b += 210) m.set(U16, b + 208, Float.floatToFloat16(1e-4f + rnd.nextFloat() * 1e-4f));
        } else if (e.blocked()) {
            for (long b = 0; b < m.byteSize(); b += e == StoredMatrix.Encoding.Q8_0 ? 34 : 18) m.set(U16, b, Float.floatToFloat16(0.01f + rnd.nextFloat() * 0.01f));
        } else if (e != StoredMatrix.Encoding.F32) {
            for (long b = 0; b < m.byteSize(); b += 2) m.set(U16, b, e == StoredMatrix.Encoding.F16 ? Float.floatToFloat16((float) rnd.nextGaussian())
                    : (short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16));
        } else {
            for (long b = 0; b < m.byteSize(); b += 4) m.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), b, (float) rnd.nextGaussian());
        }
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = rows - 1 - i;
        StoredMatrix s = new StoredMatrix(rows, cols, e, m, order);
        float[] d = new float[rows * cols];
        for (int r = 0; r < rows; r++) s.decodeRow(r, d, r * cols);
        FloatMatrix f = new FloatMatrix(rows, cols, d);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] a = new float[tokens * rows], b = new float[tokens * rows], c = new float[tokens * rows], sc = new float[tokens * rows];
        try (Parallel p = new Parallel(2)) {
            VectorKernels k = new VectorKernels(p);
            k.matmul(f, x, tokens, a);
            k.matmul(s, x, tokens, b);
        }
        new ScalarKernels().matmul(f, x, tokens, c);
        new ScalarKernels().matmul(s, x, tokens, sc);
        if (tokens < 8 && e.fmaChains() > 1) {
            // decode: this type's row product runs its own number of fma chains (StoredMatrix.Encoding.fmaChains);
            // the reference is the dot over the widened row in that documented order, computed here
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) a[t * rows + r] = chainedDot(x, t * cols, d, r * cols, cols, e.fmaChains());
            }
        }
        assertArrayEquals(a, b);
        assertArrayEquals(c, sc);
        if (e == StoredMatrix.Encoding.Q8_0) {
            // ggml's dequantization: scale * int8, in float
            float scale = Float.float16ToFloat(m.get(U16, (long) order[0] * rb));
            assertEquals(scale * m.get(ValueLayout.JAVA_BYTE, (long) order[0] * rb + 2), d[0]);
        }
        // an embedding lookup (formats' scalar decode for the block types) gives decodeRow's floats
        float[] looked = new float[cols];
        for (int r = 0; r < rows; r++) {
            s.lookupRow(r, looked, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(d, r * cols, (r + 1) * cols), looked, e + " lookup of row " + r);
        }
        if (e.blocked()) {
            // the widened rows are ggml's dequantization (formats' codec, written independently)
            dev.trit.formats.BlockCodec codec = dev.trit.formats.BlockCodec.of(e.ggmlType());
            for (int r = 0; r < rows; r++) {
                float[] want = new float[cols];
                codec.decode(m.asSlice((long) order[r] * rb, rb), want, 0, cols);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(d, r * cols, (r + 1) * cols));
            }
        }
    }
}
