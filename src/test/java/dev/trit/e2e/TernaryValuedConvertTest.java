package dev.trit.e2e;

import dev.trit.engine.GgufModel;
import dev.trit.engine.HfModel;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.Transformer;
import dev.trit.engine.VectorKernels;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.TensorNames;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * TriLM-style checkpoints (SpectraSuite's TriLM_*_Unpacked; replica trilm-f16): plain LlamaForCausalLM
 * F16 linears whose values are exactly trit × fp16 scale, one scale per model-parallel shard.
 * {@code trit convert --type tq1_0|tq2_0} stores them exactly without --ternarize (tensors whose
 * 256-blocks straddle two scale regions in F16, said on stderr), i2_s refuses, and the converted file
 * runs to the same logits as the source.
 */
class TernaryValuedConvertTest {
    private static final List<String> FALLBACKS = List.of("blk.0.attn_output.weight", "blk.0.ffn_down.weight", "blk.1.attn_output.weight",
            "blk.1.ffn_down.weight");

    @TempDir
    Path tmp;

    @Test
    void tq2AndTq1HoldTheSourceValuesExactlyAndRunToTheSameLogits() throws Exception {
        Path src = SharedFixtures.replica("trilm-f16");
        int[] ids = probeIds();
        float[] want;
        try (Parallel p = new Parallel(2); Transformer hf = HfModel.load(src, new VectorKernels(p))) {
            want = hf.forward(ids, hf.newCache(ids.length));
        }
        for (String type : new String[] {"tq2_0", "tq1_0"}) {
            Path dst = tmp.resolve("trilm." + type + ".gguf");
            Cli r = Cli.run("convert", "-q", src.toString(), dst.toString(), "--type", type);
            assertEquals(0, r.exitCode(), r::toString);
            for (String f : FALLBACKS) {
                assertTrue(r.err().contains(f + ": ternary, but its scale regions"), r::toString);
            }
            assertEquals(FALLBACKS.size(), r.err().lines().filter(l -> l.contains("written as F16 (exact)")).count(), r::toString);
            assertTrue(r.out().contains("F16 -> F16 fallback"), r::toString);
            assertTrue(r.out().contains("F16 -> " + type.toUpperCase()), r::toString);
            assertTrue(r.out().contains("4 ternary tensor(s) " + type + " cannot hold exactly"), r::toString);

            int ternary = assertValuesExact(src, dst, GgmlType.valueOf(type.toUpperCase()));
            assertEquals(10, ternary, "q/k/v/gate/up of both layers are stored " + type);

            try (Parallel p = new Parallel(2); LoadedModel g = GgufModel.load(dst, new VectorKernels(p))) {
                Transformer t = g.transformer();
                float[] got = t.forward(ids, t.newCache(ids.length));
                assertEquals(want.length, got.length);
                // The weights are bitwise the source's (checked above: TQ blocks carry TriLM's fp16
                // scales exactly, fallbacks are the F16 values), so the only room for a difference is
                // the engine's arithmetic on them: a TQ tensor of a llama model is decoded to floats and
                // multiplied in float32 like the F16 matrix, each output one fma chain in a fixed order.
                // Measured: equal (max |diff| 0). The bound allows float32 reordering noise only, 1e-5
                // of the largest logit (~16 here), far below what one wrong trit or an fp16-rounded
                // scale (relative 2^-11 of one weight) would move.
                double maxAbs = 0, maxDiff = 0;
                for (int i = 0; i < want.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(want[i]));
                    maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
                }
                System.out.printf("trilm-f16 -> %s: max |logit| %.4f, max |diff| %.3g over %d logits%n", type, maxAbs, maxDiff, want.length);
                assertTrue(maxDiff <= 1e-5 * maxAbs, type + ": max logit difference " + maxDiff + " (max |logit| " + maxAbs + ")");
            }
        }
    }

    @Test
    void i2sRefusesATensorWithTwoScales() throws Exception {
        Path src = SharedFixtures.replica("trilm-f16");
        Cli r = Cli.run("convert", "-q", src.toString(), tmp.resolve("t.gguf").toString(), "--type", "i2_s");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().contains("tensor blk.0.ffn_down.weight is ternary with 2 scales"), r::toString);
        assertTrue(r.err().contains("i2_s holds one scale per tensor"), r::toString);
        assertFalse(java.nio.file.Files.exists(tmp.resolve("t.gguf")));
    }

    @Test
    void aFloatLlamaIsStillRefusedWithoutTernarize() {
        Cli r = Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), tmp.resolve("m.gguf").toString(), "--type", "tq2_0");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("is a full-precision LLaMA model, its weights are not ternary"), r::toString);
    }

    /** Every tensor of the GGUF decodes bitwise to the source's values (Q/K rows un-permuted); returns how many are of type tq. */
    static int assertValuesExact(Path src, Path gguf, GgmlType tq) throws Exception {
        int ternary = 0;
        try (HfCheckpoint ck = HfCheckpoint.open(src); GgufFile g = GgufFile.open(gguf)) {
            TensorFile f = ck.weights();
            Map<String, TensorInfo> byGguf = new HashMap<>();
            for (TensorInfo t : f.tensors()) byGguf.put(TensorNames.toGguf(t.name()).orElseThrow(), t);
            assertEquals(byGguf.size(), g.tensors().size());
            int heads = (int) g.integer("llama.attention.head_count").orElseThrow();
            int headRows = (int) (g.integer("llama.embedding_length").orElseThrow() / heads);
            for (TensorInfo gt : g.tensors()) {
                TensorInfo ht = byGguf.get(gt.name());
                assertNotNull(ht, gt.name());
                GgmlType type = (GgmlType) gt.type();
                if (type == tq) ternary++;
                if (FALLBACKS.contains(gt.name())) assertEquals(GgmlType.F16, type, gt.name());
                int n = Math.toIntExact(gt.elements());
                float[] got = BlockCodec.of(type).decode(g.data(gt), n);
                float[] want = BlockCodec.of(GgmlType.F16).decode(f.data(ht), n);
                long cols = ht.shape()[ht.shape().length - 1], rows = n / cols;
                boolean permuted = gt.name().endsWith("attn_q.weight") || gt.name().endsWith("attn_k.weight");
                for (long r = 0; r < rows; r++) {
                    long hr = permuted ? hfRowOfGguf(r, headRows) : r;
                    for (long c = 0; c < cols; c++) {
                        int a = Float.floatToRawIntBits(want[(int) (hr * cols + c)]), b = Float.floatToRawIntBits(got[(int) (r * cols + c)]);
                        if (a != b) fail(gt.name() + " (" + type + ") row " + r + " col " + c + ": " + Float.intBitsToFloat(b) + ", source " + Float.intBitsToFloat(a));
                    }
                }
            }
        }
        return ternary;
    }

    /** llama.cpp's rotary permutation: GGUF row g of a head holds HF row (g % 2) * d/2 + g / 2 of that head. */
    static long hfRowOfGguf(long g, long headRows) {
        long h = g / headRows, o = g % headRows;
        return h * headRows + (o % 2) * (headRows / 2) + o / 2;
    }

    static int[] probeIds() throws Exception {
        double[] d = SharedFixtures.npz("oracle/replicas/trilm-f16.npz").get("probe/ids").data();
        int[] ids = new int[d.length];
        for (int i = 0; i < d.length; i++) ids[i] = (int) d[i];
        return ids;
    }
}
