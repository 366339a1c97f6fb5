package dev.trit.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EnergyModelTest {
    static final Path FIXTURES = Path.of(System.getProperty("trit.root"), "fixtures");

    static double value(List<ResultRow> rows, String variant, String task, String scope, String metric) {
        return rows.stream().filter(r -> r.variant().equals(variant) && r.task().equals(task) && r.scope().equals(scope)
                && r.metric().equals(metric)).findFirst().orElseThrow(() -> new AssertionError(variant + " " + metric)).value();
    }

    @Test
    void perWeightRatioReproducesThePapersClaim() {
        // BitNet b1.58 (arXiv 2402.17764): "71.4 times" at 7 nm for matmul arithmetic.
        ModelShape s = new ModelShape("x", 256, 768, 4, 4, 2, 64, 4096, true, true);
        List<ResultRow> rows = EnergyModel.rows("m", s, 256);
        assertEquals(71.4, value(rows, "fp16/ternary per weight", "energy-7nm", "", Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY), 0.05);
        // With the rescale and activation quantization of BitLinear counted, the ratio is lower.
        double full = value(rows, "fp16/ternary", "energy-7nm", "", Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY);
        assertTrue(full > 10 && full < 71.4, "matmul ratio " + full);
    }

    @Test
    void countsFollowTheShape() {
        // demo shape: q 256x256, k and v 256x128 (2 KV heads of 64), o 256x256, FFN 3 x 256x768.
        ModelShape s = new ModelShape("x", 256, 768, 4, 4, 2, 64, 4096, true, true);
        assertEquals(256L * 256 * 2 + 2L * 256 * 128 + 3L * 256 * 768, EnergyModel.linearWeightsPerLayer(s));
        EnergyModel.Count fp = EnergyModel.count(s, 100, false), t = EnergyModel.count(s, 100, true);
        assertEquals(4 * EnergyModel.linearWeightsPerLayer(s), fp.matmul().fp16Mul(), 0);
        assertEquals(0, fp.total().int8Add(), 0);
        assertEquals(4 * EnergyModel.linearWeightsPerLayer(s), t.matmul().int8Add(), 0);
        // The lm_head stays FP16 in both: 256 x 4096 MACs.
        assertEquals(fp.head(), t.head());
        assertTrue(fp.head().fp16Mul() >= 256.0 * 4096);
        // Attention grows with the context.
        assertTrue(EnergyModel.count(s, 1000, true).total().fp16Mul() > t.total().fp16Mul());
    }

    @Test
    void fromRealConfig() throws Exception {
        ModelShape s = ModelAnalyzer.analyze(FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf"), false).shape();
        assertEquals(256, s.hidden());
        assertEquals(768, s.intermediate());
        assertEquals(4, s.kvHeads(), "mini-* have no GQA");
        assertEquals(64, s.headDim());
        assertEquals(4096, s.vocab());
    }

    @Test
    void raplUnavailableIsSaidWhy(@TempDir Path dir) throws Exception {
        StringBuilder why = new StringBuilder();
        assertNull(Rapl.open(dir.resolve("none"), why));
        assertTrue(why.toString().contains("does not exist"));
        // A fake powercap tree: two package domains and a subzone that must not be double counted.
        Files.createDirectories(dir.resolve("pc/intel-rapl:0/intel-rapl:0:0"));
        Files.createDirectories(dir.resolve("pc/intel-rapl:1"));
        Files.createDirectories(dir.resolve("pc/intel-rapl:0:0"));
        Files.writeString(dir.resolve("pc/intel-rapl:0/energy_uj"), "1000000\n");
        Files.writeString(dir.resolve("pc/intel-rapl:1/energy_uj"), "500000\n");
        Files.writeString(dir.resolve("pc/intel-rapl:0:0/energy_uj"), "7\n");
        Rapl r = Rapl.open(dir.resolve("pc"), new StringBuilder());
        assertNotNull(r);
        assertEquals(1_500_000, r.readMicrojoules());
        double j = r.measure(() -> {
            try {
                Files.writeString(dir.resolve("pc/intel-rapl:1/energy_uj"), "2500000\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).orElseThrow();
        assertEquals(2.0, j, 1e-9);
    }
}
