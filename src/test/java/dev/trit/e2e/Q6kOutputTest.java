package dev.trit.e2e;

import dev.trit.engine.GgufModel;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.Transformer;
import dev.trit.engine.VectorKernels;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --output-tensor-type q6_k} (llama-quantize's default for the output matrix of TQ1_0/TQ2_0
 * models): the converter writes the tied token_embd as Q6_K, and the engine reads it in place and runs
 * the model close to the same conversion with the default F16 matrix.
 */
class Q6kOutputTest {
    @TempDir
    Path tmp;

    @Test
    void tq2WithAQ6kOutputMatrixRunsCloseToTheF16One() throws Exception {
        double matrixError;
        String src = Cli.FIXTURES.resolve("hf/mini-bitnet-fp16").toString();
        Path q6 = tmp.resolve("mini.q6k-head.tq2_0.gguf"), f16 = tmp.resolve("mini.tq2_0.gguf");
        Cli r = Cli.run("convert", "-q", src, q6.toString(), "--type", "tq2_0", "--output-tensor-type", "q6_k");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(0, Cli.run("convert", "-q", src, f16.toString(), "--type", "tq2_0").exitCode());

        try (GgufFile a = GgufFile.open(q6); GgufFile b = GgufFile.open(f16)) {
            assertEquals(b.tensors().size(), a.tensors().size());
            for (TensorInfo tb : b.tensors()) {
                TensorInfo ta = a.find(tb.name()).orElseThrow();
                if (tb.name().equals("token_embd.weight")) continue;
                assertArrayEquals(b.data(tb).toArray(ValueLayout.JAVA_BYTE), a.data(ta).toArray(ValueLayout.JAVA_BYTE), tb.name());
            }
            TensorInfo ea = a.find("token_embd.weight").orElseThrow(), eb = b.find("token_embd.weight").orElseThrow();
            assertEquals(GgmlType.Q6_K, ea.type());
            assertEquals(GgmlType.F16, eb.type());
            assertEquals(4096L * 210, ea.byteSize()); // [4096, 256]: one super-block per row
            int n = Math.toIntExact(eb.elements());
            float[] want = BlockCodec.of(GgmlType.F16).decode(b.data(eb), n);
            float[] got = BlockCodec.of(GgmlType.Q6_K).decode(a.data(ea), n);
            // the stored matrix is the F16 one quantized: relative rms error of ~6-bit rounding, as in formats' Q6_KCodecTest
            matrixError = relRms(got, want);
            assertTrue(matrixError > 0 && matrixError < 0.035, "relative rms error " + matrixError);
        }

        try (Parallel p = new Parallel(2);
             LoadedModel a = GgufModel.load(q6, new VectorKernels(p));
             LoadedModel b = GgufModel.load(f16, new VectorKernels(p))) {
            Transformer ta = a.transformer(), tb = b.transformer();
            // read in place: the LM head streams 210 bytes per row of 256 instead of 512
            assertEquals(tb.weightBytesPerToken() - 4096L * (512 - 210), ta.weightBytesPerToken());
            int[] prompt = {1, 415, 2936, 9, 1200, 77, 3021, 18, 4095, 640, 12, 2};
            int vocab = 4096;
            // prefill (12 tokens: the batched kernels over widened rows), then single tokens (fused Q6_K products)
            var ca = ta.newCache(32);
            var cb = tb.newCache(32);
            float[] la = ta.forward(prompt, ca), lb = tb.forward(prompt, cb);
            assertClose("prefill", la, lb, vocab, matrixError);
            for (int id : new int[] {100, 2000, 3}) {
                float[] da = new float[vocab], db = new float[vocab];
                ta.decode(id, ca, da);
                tb.decode(id, cb, db);
                assertClose("decode " + id, da, db, vocab, matrixError);
            }
        }
    }

    /**
     * Each position's logits within 2x the matrix's relative rms error of the F16 model's. A logit is
     * h . w_v; an error e_v in w_v of relative size eps, not aligned with h, moves the logits by about
     * eps relative (measured here: the matrix's 0.018 gives 0.005 to 0.015). The embedding row read at
     * the input carries the same relative error into the first layer, whose RMS norm and the ternary
     * layers pass it on without gain at this size; 2 eps covers both.
     */
    private static void assertClose(String what, float[] a, float[] b, int vocab, double eps) {
        for (int t = 0; t < a.length / vocab; t++) {
            float[] x = java.util.Arrays.copyOfRange(a, t * vocab, (t + 1) * vocab), y = java.util.Arrays.copyOfRange(b, t * vocab, (t + 1) * vocab);
            double d = relRms(x, y);
            assertTrue(d > 0 && d < 2 * eps, what + ", position " + t + ": logits differ by " + d + " relative rms (matrix: " + eps + ")");
        }
    }

    private static double relRms(float[] got, float[] want) {
        double e = 0, w = 0;
        for (int i = 0; i < want.length; i++) {
            e += (got[i] - want[i]) * (double) (got[i] - want[i]);
            w += want[i] * (double) want[i];
        }
        return Math.sqrt(e / w);
    }
}
