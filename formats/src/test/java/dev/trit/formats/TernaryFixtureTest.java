package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ternary codecs against llama.cpp's converter output: mini-bitnet converted to TQ1_0, TQ2_0 and
 * F16 from the same checkpoint. The converter ternarizes each BitLinear weight with one scale per
 * tensor (absmean, rounded to fp16 in the F16 file) and gguf-py packs TQ blocks with d = max |x| of
 * the block, so the three files must hold the same trits and scales.
 */
class TernaryFixtureTest {
    private static List<TensorInfo> ternaryTensors(GgufFile f) {
        return f.tensors().stream().filter(t -> ((GgmlType) t.type()).isTernary()).toList();
    }

    private static TernaryValues ternary(GgufFile f, TensorInfo t) {
        TernaryCodec c = (TernaryCodec) BlockCodec.of((GgmlType) t.type());
        return c.decodeTernary(f.data(t), Math.toIntExact(t.elements()));
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    @Test
    void tq1AndTq2HoldTheSameTritsAndScales() throws IOException {
        try (GgufFile tq1 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq1_0.gguf"));
             GgufFile tq2 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq2_0.gguf"))) {
            List<TensorInfo> t1 = ternaryTensors(tq1);
            assertEquals(4 * 7, t1.size()); // q, k, v, o, gate, up, down per layer
            int[] counts = new int[3];
            for (TensorInfo a : t1) {
                TensorInfo b = tq2.find(a.name()).orElseThrow();
                assertEquals(GgmlType.TQ2_0, b.type());
                assertArrayEquals(a.shape(), b.shape());
                TernaryValues va = ternary(tq1, a), vb = ternary(tq2, b);
                assertArrayEquals(va.trits(), vb.trits(), a.name());
                assertArrayEquals(va.scales(), vb.scales(), a.name());
                for (byte x : va.trits()) counts[x + 1]++;
                // float decoding agrees with the trits and scales
                float[] fa = BlockCodec.of(GgmlType.TQ1_0).decode(tq1.data(a), va.size());
                for (int i = 0; i < fa.length; i++) assertEquals(va.value(i), fa[i]);
            }
            // a real ternary model uses all three values
            assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
        }
    }

    @Test
    void repackingReproducesLlamaCppBytes() throws IOException {
        try (GgufFile tq1 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq1_0.gguf"));
             GgufFile tq2 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq2_0.gguf"))) {
            for (TensorInfo a : ternaryTensors(tq1)) {
                TensorInfo b = tq2.find(a.name()).orElseThrow();
                TernaryValues v = ternary(tq1, a);
                // trits -> TQ1_0 and TQ2_0, losslessly
                assertArrayEquals(bytes(tq1.data(a)), Tq1Codec.INSTANCE.encodeTernary(v), a.name());
                assertArrayEquals(bytes(tq2.data(b)), Tq2Codec.INSTANCE.encodeTernary(v), a.name());
                // floats -> the reference quantizers
                float[] values = Tq2Codec.INSTANCE.decode(tq2.data(b), v.size());
                assertArrayEquals(bytes(tq1.data(a)), Tq1Codec.INSTANCE.encode(values), a.name());
                assertArrayEquals(bytes(tq2.data(b)), Tq2Codec.INSTANCE.encode(values), a.name());
                // and through I2_S (one scale per tensor) back again
                float s = (float) v.uniformScale().orElseThrow();
                TernaryValues one = new TernaryValues(v.trits(), new float[] {s}, v.size());
                byte[] i2s = I2sCodec.INSTANCE.encodeTernary(one);
                assertEquals(v.size() / 4 + 32, i2s.length);
                TernaryValues back = I2sCodec.INSTANCE.decodeTernary(MemorySegment.ofArray(i2s), v.size());
                assertArrayEquals(v.trits(), back.trits());
                assertArrayEquals(i2s, I2sCodec.INSTANCE.encode(I2sCodec.INSTANCE.decode(MemorySegment.ofArray(i2s), v.size())));
            }
        }
    }

    /**
     * What is exactly true between the F16 and TQ files: in F16 every BitLinear weight is one of
     * {-s, 0, +s} with s one fp16 value per tensor; the trits are the signs; each TQ block's scale is
     * that same s when the block has a nonzero trit and 0 when it is all zeros.
     */
    @Test
    void f16FileHoldsTheSameTernaryWeights() throws IOException {
        Path f16Path = Fixtures.shared("gguf/mini-bitnet-f16.gguf");
        dev.trit.formats.testing.SharedFixtures.present(f16Path);
        try (GgufFile f16 = GgufFile.open(f16Path);
             GgufFile tq1 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq1_0.gguf"))) {
            int zeroBlocks = 0;
            for (TensorInfo t : ternaryTensors(tq1)) {
                TensorInfo h = f16.find(t.name()).orElseThrow();
                assertEquals(GgmlType.F16, h.type());
                float[] w = F16Codec.INSTANCE.decode(f16.data(h), Math.toIntExact(h.elements()));
                float s = 0;
                for (float x : w) s = Math.max(s, Math.abs(x));
                assertTrue(s > 0, t.name());
                TernaryValues v = ternary(tq1, t);
                for (int i = 0; i < w.length; i++) {
                    assertTrue(w[i] == s || w[i] == -s || w[i] == 0, t.name() + "[" + i + "] = " + w[i] + " with s = " + s);
                    assertEquals((int) Math.signum(w[i]), v.trits()[i], t.name() + "[" + i + "]");
                }
                for (int g = 0; g < v.scales().length; g++) {
                    boolean any = false;
                    for (int i = g * 256; i < (g + 1) * 256; i++) any |= v.trits()[i] != 0;
                    assertEquals(any ? s : 0f, v.scales()[g], t.name() + " block " + g);
                    if (!any) zeroBlocks++;
                }
                assertEquals(s, (float) v.uniformScale().orElseThrow());
                // encoding the F16 values with the reference quantizer gives llama.cpp's TQ1_0 bytes
                assertArrayEquals(bytes(tq1.data(t)), Tq1Codec.INSTANCE.encode(w), t.name());
            }
            System.out.println("all-zero TQ blocks (scale 0): " + zeroBlocks);
            // the non-ternary tensors are identical in both files (F16 embedding, F32 norms)
            for (TensorInfo t : tq1.tensors()) {
                if (((GgmlType) t.type()).isTernary()) continue;
                TensorInfo h = f16.find(t.name()).orElseThrow();
                assertEquals(t.type(), h.type(), t.name());
                assertArrayEquals(bytes(tq1.data(t)), bytes(f16.data(h)), t.name());
            }
        }
    }
}
