package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code trit analyze} on a TriLM-style checkpoint: F16 linears that are exactly trit × per-shard scale are reported as ternary. */
class TernaryValuedAnalyzeTest {
    @Test
    void trilmLinearsAreReportedTernaryWithTheirScales() throws Exception {
        Path src = SharedFixtures.replica("trilm-f16");
        Cli r = Cli.run("analyze", src.toString(), "--no-compress");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("ternary-valued float matrices (14 of 14)"), r::toString);
        assertEquals(14, r.out().lines().filter(l -> l.matches("model\\.layers\\.\\d\\.\\S+ +F16 trits .*")).count(), r::toString);
        // the replica's layer-0 q_proj: rows [0,128) and [128,256), o_proj: columns, split at 128 (fp16 scales)
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" +model\\.layers\\.0\\.self_attn\\.q_proj\\.weight +rows \\[0,128\\) 0\\.1796875, \\[128,256\\) 0\\.13879395")),
                r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" +model\\.layers\\.0\\.self_attn\\.o_proj\\.weight +columns \\[0,128\\) 0\\.07489014, \\[128,256\\) 0\\.06964111 .*")),
                r::toString);
        assertTrue(r.out().contains("(4 matrices at F16: their scales do not fit its blocks)"), r::toString);
        assertTrue(r.out().contains("packed, I2_S"), r::toString);

        Cli j = Cli.run("analyze", src.toString(), "--no-compress", "--json");
        assertEquals(0, j.exitCode(), j::toString);
        JsonNode rows = new ObjectMapper().readTree(j.out()).path("rows");
        Map<String, Double> regions = new HashMap<>();
        int counts = 0;
        for (JsonNode row : rows) {
            String metric = row.path("metric").asText(), scope = row.path("scope").asText();
            if (metric.equals("scale_regions")) {
                assertEquals(2.0, row.path("value").asDouble(), scope);
                counts++;
            }
            if (metric.equals("region_scale")) regions.put(scope, row.path("value").asDouble());
        }
        assertEquals(14, counts);
        assertEquals(28, regions.size());
        assertEquals(0.1796875, regions.get("model.layers.0.self_attn.q_proj.weight:rows[0,128)"), 0.0);
        assertEquals(0.049102783203125, regions.get("model.layers.0.mlp.down_proj.weight:columns[384,768)"), 0.0);
    }
}
