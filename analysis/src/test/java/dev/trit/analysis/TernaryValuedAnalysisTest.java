package dev.trit.analysis;

import static org.junit.jupiter.api.Assertions.*;

import dev.trit.formats.TernaryScales;
import dev.trit.formats.testing.SharedFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** trit analyze on ternary-valued float checkpoints (TriLM) and, for contrast, on a float one. */
class TernaryValuedAnalysisTest {
    @Test
    void trilmLinearsAreTernaryWithTwoShardScales() throws Exception {
        ModelAnalysis a = ModelAnalyzer.analyze(SharedFixtures.replica("trilm-f16"), false);
        assertEquals(14, a.tensors().size());
        for (TensorAnalysis t : a.tensors()) {
            TernaryScales s = t.ternaryScales();
            assertNotNull(s, t.name());
            assertEquals("F16 trits", t.storedAs());
            assertEquals(2, s.distinctScales().length, t.name());
            boolean rowParallel = t.name().contains("o_proj") || t.name().contains("down_proj");
            assertEquals(rowParallel ? TernaryScales.Axis.COLUMNS : TernaryScales.Axis.ROWS, s.axis(), t.name());
            assertTrue(Double.isNaN(t.mse()), "stored ternary: no ternarization error");
            // about a third each (uniform generator), order-0 entropy near log2(3)
            assertEquals(1 / 3.0, t.stats().shareZero(), 0.01, t.name());
            assertTrue(t.scale() > Math.min(s.scales()[0], s.scales()[1]) && t.scale() < Math.max(s.scales()[0], s.scales()[1]), t.name());
            // packed and I2_S keep one scale per tensor: absent; TQ falls back to F16 where regions split its blocks
            assertFalse(t.layoutBytes().containsKey(StorageLayout.I2_S), t.name());
            assertFalse(t.layoutBytes().containsKey(StorageLayout.HF_PACKED), t.name());
            assertEquals(rowParallel, t.fallbackLayouts().contains(StorageLayout.TQ2_0), t.name());
            long tq2 = t.layoutBytes().get(StorageLayout.TQ2_0);
            assertEquals(rowParallel ? t.weights() * 2 : t.weights() / 256 * 66, tq2, t.name());
        }
        assertTrue(a.toRows().stream().anyMatch(r -> r.metric().equals(Metrics.REGION_SCALE)
                && r.scope().equals("model.layers.0.self_attn.o_proj.weight:columns[128,256)")));
    }

    @Test
    void floatLlamaStaysLatent() throws Exception {
        ModelAnalysis a = ModelAnalyzer.analyze(Path.of(System.getProperty("trit.root"), "fixtures", "hf", "mini-llama-f16"), false);
        for (TensorAnalysis t : a.tensors()) {
            assertNull(t.ternaryScales(), t.name());
            assertTrue(t.mse() > 0, t.name());
        }
    }
}
