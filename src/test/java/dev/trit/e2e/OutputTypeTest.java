package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A quantized output layer (convert --output-tensor-type): what Q8_0, Q4_0 and Q6_K do to the TQ2_0 model's
 * next-token distributions, as KL-divergence against the same file with llama.cpp's F16 output matrix.
 */
class OutputTypeTest {
    static final Path TQ2 = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");
    static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");

    @Test
    void quantizedOutputLayersCostLittleKld(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base.arrow");
        Cli w = Cli.run("logits", TQ2.toString(), TEXT.toString(), "--out", base.toString(), "--protocol", "llama-cpp", "--max-windows", "8", "--threads", "2");
        assertEquals(0, w.exitCode(), w::toString);
        String[] types = {"q8_0", "q4_0", "q6_k"};
        double[] kld = new double[types.length], top1 = new double[types.length];
        for (int i = 0; i < types.length; i++) {
            Path out = dir.resolve("head-" + types[i] + ".gguf");
            Cli c = Cli.run("convert", TQ2.toString(), out.toString(), "-t", "tq2_0", "--output-tensor-type", types[i], "-q");
            assertEquals(0, c.exitCode(), c::toString);
            Cli k = Cli.run("kld", "--base", base.toString(), out.toString(), TEXT.toString(), "--json", "--threads", "2");
            assertEquals(0, k.exitCode(), k::toString);
            JsonNode j = new ObjectMapper().readTree(k.out());
            kld[i] = j.get("kld_mean").asDouble();
            top1[i] = j.get("same_top").asDouble();
        }
        // Only the output matrix changed, so the KLD is its quantization noise alone: 8-bit blocks must
        // stay far below 4-bit ones, and both well under the ternary model's own distance from FP16 (~0.1).
        assertTrue(kld[0] > 0 && kld[0] < 1e-3, "Q8_0 output KLD " + kld[0]);
        assertTrue(kld[1] > kld[0] * 5 && kld[1] < 0.02, "Q4_0 output KLD " + kld[1]);
        assertTrue(top1[0] > 0.98 && top1[1] > 0.9, "same top-1: q8_0 " + top1[0] + ", q4_0 " + top1[1]);
        // Q6_K (llama-quantize's default output type for TQ1_0/TQ2_0): 64 levels per 16 weights under a
        // fitted scale, so its rounding error is about 2x Q8_0's (127 levels per 32, scale from the max)
        // and a quarter of Q4_0's: its KLD lies between (measured 1.8e-4 against 7e-5 and 2.8e-3).
        assertTrue(kld[2] > kld[0] && kld[2] < 1e-3 && kld[1] > 5 * kld[2], "Q6_K output KLD " + kld[2]);
        assertTrue(top1[2] > 0.97, "same top-1: q6_k " + top1[2]);

        Cli bad = Cli.run("convert", TQ2.toString(), dir.resolve("x.gguf").toString(), "-t", "tq2_0", "--output-tensor-type", "tq1_0");
        assertEquals(2, bad.exitCode(), bad::toString);
    }
}
