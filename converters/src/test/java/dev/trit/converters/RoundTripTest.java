package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.HfConfig;
import dev.trit.formats.ShardedSafetensors;
import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lossless conversions: the bytes that come back are the bytes that went in. */
class RoundTripTest {
    @TempDir
    Path tmp;

    static Path fixture(String rel) {
        return LlamaCppFixtureTest.fixture(rel);
    }

    static Path convert(Path src, Path dst, TargetType t) throws IOException {
        Converter.convert(src, dst, new Converter.Options(t), Progress.NONE);
        return dst;
    }

    static byte[] bytes(TensorFile f, TensorInfo t) {
        return f.data(t).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Every tensor of want is in got with the same dtype, shape and bytes, and nothing else is. */
    static void assertSameTensors(Path wantDir, Path gotDir) throws IOException {
        try (TensorFile want = ShardedSafetensors.openModelDir(wantDir); TensorFile got = ShardedSafetensors.openModelDir(gotDir)) {
            assertEquals(want.tensors().size(), got.tensors().size(), "tensor count");
            for (TensorInfo w : want.tensors()) {
                TensorInfo g = got.find(w.name()).orElseThrow(() -> new AssertionError("missing " + w.name()));
                assertEquals(w.type(), g.type(), w.name());
                assertArrayEquals(w.shape(), g.shape(), w.name());
                assertArrayEquals(bytes(want, w), bytes(got, g), w.name());
            }
        }
    }

    /**
     * The latent demo model packed by trit against the packed checkpoint made at training time. The
     * weight_scale of every BitLinear is bit-identical (bf16 of s = 1/mean|W|) and the non-BitLinear
     * tensors are byte-identical. The trits agree except where |W·s| lies within bf16's rounding of
     * 0.5: the packed checkpoint was ternarized from the fp32 master weights, of which demo-bitnet-bf16
     * holds the bf16 rounding, so those ties cannot be decided from the bf16 file (about 0.05% of
     * weights; every disagreement is checked to be such a tie).
     */
    @Test
    void latentBf16ToPackedMatchesTransformersPacking() throws IOException {
        Path want = fixture("hf/demo-bitnet-packed"), latent = fixture("hf/demo-bitnet-bf16");
        Path out = convert(latent, tmp.resolve("packed"), TargetType.HF_PACKED);
        long ties = 0, weights = 0;
        try (TensorFile w = ShardedSafetensors.openModelDir(want); TensorFile g = ShardedSafetensors.openModelDir(out);
             TensorFile l = ShardedSafetensors.openModelDir(latent)) {
            assertEquals(w.tensors().size(), g.tensors().size());
            for (TensorInfo wt : w.tensors()) {
                TensorInfo gt = g.find(wt.name()).orElseThrow(() -> new AssertionError("missing " + wt.name()));
                assertEquals(wt.type(), gt.type(), wt.name());
                assertArrayEquals(wt.shape(), gt.shape(), wt.name());
                byte[] wb = bytes(w, wt), gb = bytes(g, gt);
                if (wt.type() != dev.trit.formats.DType.U8) {
                    assertArrayEquals(wb, gb, wt.name());
                    continue;
                }
                float s = dev.trit.formats.Half.bf16ToFloat(w.data(w.find(wt.name() + "_scale").orElseThrow())
                        .get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0));
                TensorInfo lt = l.find(wt.name()).orElseThrow();
                long in = wt.dim(1), quarter = wt.dim(0);
                for (int i = 0; i < wb.length; i++) {
                    if (wb[i] == gb[i]) continue;
                    for (int k = 0; k < 4; k++) {
                        int a = (wb[i] >>> 2 * k) & 3, b = (gb[i] >>> 2 * k) & 3;
                        if (a == b) continue;
                        long row = i / in + k * quarter, col = i % in;
                        float x = Math.abs(dev.trit.formats.Half.bf16ToFloat(l.data(lt)
                                .getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, row * in + col)) * s);
                        // W (bf16 of the master) and s (bf16 weight_scale) are each within 2^-8 relative
                        assertTrue(Math.abs(x - 0.5f) <= x * 0x1p-7f, wt.name() + "[" + row + "," + col + "]: |W*s| = " + x + " is no tie");
                        assertEquals(1, Math.abs(a - b), "trits differ by more than one step");
                        ties++;
                    }
                }
                weights += 4L * wb.length;
            }
        }
        System.out.println("demo-bitnet-bf16 -> packed: " + ties + " of " + weights + " trits differ, all at rounding ties");
        assertTrue(ties < weights / 1000, ties + " ties of " + weights);
        HfConfig c = HfConfig.read(out);
        assertEquals("bitlinear", c.quantizationConfig().orElseThrow().linearClass().orElseThrow());
        assertEquals("offline", c.quantizationConfig().orElseThrow().quantizationMode().orElseThrow());
    }

    @Test
    void packedThroughEveryTernaryGgufTypeAndBack() throws IOException {
        Path src = fixture("hf/demo-bitnet-packed");
        Path tq1 = convert(src, tmp.resolve("a.tq1_0.gguf"), TargetType.GGUF_TQ1_0);
        Path tq2 = convert(tq1, tmp.resolve("b.tq2_0.gguf"), TargetType.GGUF_TQ2_0);
        Path i2s = convert(tq2, tmp.resolve("c.i2_s.gguf"), TargetType.GGUF_I2_S);
        Path back = convert(i2s, tmp.resolve("back"), TargetType.HF_PACKED);
        assertSameTensors(src, back);
        try (GgufFile f = GgufFile.open(tq1)) {
            assertEquals("bitnet-b1.58", f.architecture());
            assertEquals(GgmlType.TQ1_0, f.find("blk.0.attn_q.weight").orElseThrow().type());
            // llama.cpp would write F16; from bf16 that rounds, so trit keeps BF16
            assertEquals(GgmlType.BF16, f.find("token_embd.weight").orElseThrow().type());
        }
        try (GgufFile f = GgufFile.open(i2s)) {
            assertEquals(GgmlType.I2_S, f.find("blk.0.ffn_down.weight").orElseThrow().type());
            assertEquals(40, f.integer("general.file_type").orElseThrow());
        }
        // config.json comes back with the fields that matter
        HfConfig a = HfConfig.read(src), b = HfConfig.read(back);
        assertEquals(a.architectures(), b.architectures());
        assertEquals(a.hiddenAct(), b.hiddenAct());
        assertEquals(a.numKeyValueHeads(), b.numKeyValueHeads());
        assertEquals(a.ropeTheta(), b.ropeTheta());
        assertEquals(a.quantizationConfig().orElseThrow().linearClass(), b.quantizationConfig().orElseThrow().linearClass());
        assertTrue(Files.exists(back.resolve("tokenizer.json")));
    }

    @Test
    void oneBitModelRoundTrips() throws IOException {
        Path src = fixture("hf/demo1-bitnet-packed");
        Path tq2 = convert(src, tmp.resolve("d1.gguf"), TargetType.GGUF_TQ2_0);
        Path back = convert(tq2, tmp.resolve("back1"), TargetType.HF_PACKED);
        assertSameTensors(src, back);
        assertEquals(1, HfConfig.read(back).weightBits().orElse(0));
        // through bf16 latent weights (±v): the 1-bit rule sign(W - mean W) gives the signs back
        Path latent = convert(src, tmp.resolve("latent1"), TargetType.HF_BF16);
        assertEquals(1, HfConfig.read(latent).weightBits().orElse(0));
        Path again = convert(latent, tmp.resolve("again1"), TargetType.HF_PACKED);
        try (TensorFile want = ShardedSafetensors.openModelDir(src); TensorFile got = ShardedSafetensors.openModelDir(again)) {
            for (TensorInfo w : want.tensors()) {
                if (w.name().endsWith("_scale")) continue; // bf16 latent value and bf16 scale: within rounding
                assertArrayEquals(bytes(want, w), bytes(got, got.find(w.name()).orElseThrow()), w.name());
            }
        }
    }

    /**
     * packed -> bf16 latent -> packed: the latent weights trit * scale * n / nnz give back the same
     * trits under the absmean rule, and the scale to bf16 rounding (the latent value is itself bf16).
     */
    @Test
    void packedThroughLatentBf16() throws IOException {
        Path src = fixture("hf/demo-bitnet-packed");
        Path latent = convert(src, tmp.resolve("latent"), TargetType.HF_BF16);
        assertEquals("autobitlinear", HfConfig.read(latent).quantizationConfig().orElseThrow().linearClass().orElseThrow());
        Path back = convert(latent, tmp.resolve("repacked"), TargetType.HF_PACKED);
        try (TensorFile want = ShardedSafetensors.openModelDir(src); TensorFile got = ShardedSafetensors.openModelDir(back)) {
            for (TensorInfo w : want.tensors()) {
                TensorInfo g = got.find(w.name()).orElseThrow();
                if (w.name().endsWith("_scale")) {
                    float a = dev.trit.formats.Half.bf16ToFloat(want.data(w).get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0));
                    float b = dev.trit.formats.Half.bf16ToFloat(got.data(g).get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0));
                    assertEquals(a, b, a * 0x1p-7f, w.name()); // two bf16 roundings (latent value, scale)
                } else {
                    assertArrayEquals(bytes(want, w), bytes(got, g), w.name());
                }
            }
        }
    }

    /** The 1-bit model in ggml's 1-bit sign layout Q1_0 and back; a ternary model is refused. */
    @Test
    void oneBitModelThroughQ1() throws IOException {
        Path src = fixture("hf/demo1-bitnet-packed");
        Path q1 = convert(src, tmp.resolve("d1.q1_0.gguf"), TargetType.GGUF_Q1_0);
        try (GgufFile f = GgufFile.open(q1)) {
            TensorInfo t = f.find("blk.0.attn_q.weight").orElseThrow();
            assertEquals(GgmlType.Q1_0, t.type());
            assertEquals(t.elements() / 128 * 18, t.byteSize()); // 1.125 bits per weight
        }
        assertSameTensors(src, convert(q1, tmp.resolve("back-q1"), TargetType.HF_PACKED));
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> convert(fixture("hf/demo-bitnet-packed"), tmp.resolve("t.q1_0.gguf"), TargetType.GGUF_Q1_0));
        assertTrue(e.getMessage().contains("zero weights"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("t.q1_0.gguf")));
    }

    /**
     * llama.cpp's own TQ2_0 file through I2_S (one float32 scale) gives llama.cpp's own TQ1_0 bytes;
     * through HF packed the trits survive but the scale is rounded to packed's bf16 weight_scale.
     */
    @Test
    void llamaCppTernaryFilesThroughI2sAndPacked() throws IOException {
        Path i2s = convert(fixture("gguf/mini-bitnet-tq2_0.gguf"), tmp.resolve("mini.i2_s.gguf"), TargetType.GGUF_I2_S);
        Path tq1 = convert(i2s, tmp.resolve("mini.tq1_0.gguf"), TargetType.GGUF_TQ1_0);
        Path packed = convert(i2s, tmp.resolve("mini-packed"), TargetType.HF_PACKED);
        Path viaPacked = convert(packed, tmp.resolve("mini2.tq1_0.gguf"), TargetType.GGUF_TQ1_0);
        try (GgufFile want = GgufFile.open(fixture("gguf/mini-bitnet-tq1_0.gguf")); GgufFile got = GgufFile.open(tq1);
             GgufFile got2 = GgufFile.open(viaPacked)) {
            int ternary = 0;
            for (TensorInfo w : want.tensors()) {
                TensorInfo g = got.find(w.name()).orElseThrow();
                assertEquals(w.type(), g.type(), w.name());
                assertArrayEquals(bytes(want, w), bytes(got, g), w.name());
                if (w.type() != GgmlType.TQ1_0) continue;
                ternary++;
                var a = dev.trit.formats.Tq1Codec.INSTANCE.decodeTernary(want.data(w), (int) w.elements());
                TensorInfo g2 = got2.find(w.name()).orElseThrow();
                var b = dev.trit.formats.Tq1Codec.INSTANCE.decodeTernary(got2.data(g2), (int) w.elements());
                assertArrayEquals(a.trits(), b.trits(), w.name());
                float sa = (float) a.uniformScale().orElseThrow(), sb = (float) b.uniformScale().orElseThrow();
                assertEquals(sa, sb, sa * 0x1p-7f, w.name()); // bf16 keeps 8 significant bits: 2^-8 relative, then fp16
            }
            assertEquals(28, ternary);
        }
    }

    /** llama.cpp's LLaMA F16 GGUF (Q/K permuted) back to HF gives the original checkpoint's tensors. */
    @Test
    void llamaGgufBackToHfUndoesThePermutation() throws IOException {
        Path f16 = fixture("gguf/mini-llama-f16.gguf");
        dev.trit.formats.testing.SharedFixtures.present(f16);
        Path back = convert(f16, tmp.resolve("llama-back"), TargetType.HF_F16);
        assertSameTensors(fixture("hf/mini-llama-f16"), back);
    }

    @Test
    void hfLlamaThroughTritGgufAndBack() throws IOException {
        Path src = fixture("hf/demo-llama-f16");
        Path g = convert(src, tmp.resolve("demo-llama.f16.gguf"), TargetType.GGUF_F16);
        Path back = convert(g, tmp.resolve("demo-llama-back"), TargetType.HF_F16);
        assertSameTensors(src, back);
        assertEquals(Files.readString(src.resolve("tokenizer.json")), Files.readString(back.resolve("tokenizer.json")));
    }
}
