package dev.trit.analysis;

import dev.trit.formats.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class MixPlanTest {
    static final List<GgmlType> TYPES = List.of(GgmlType.Q2_K, GgmlType.Q4_K, GgmlType.Q6_K);

    /** Random small instances: the DP's summed KLD equals brute force's minimum over all 3^6 choices. */
    @Test
    void exactAgainstBruteForce() {
        Random rnd = new Random(15);
        for (int trial = 0; trial < 50; trial++) {
            List<MixPlan.Item> items = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                long blocks = 1 + rnd.nextInt(8);
                Map<GgmlType, Long> b = new LinkedHashMap<>();
                Map<GgmlType, Double> k = new LinkedHashMap<>();
                for (GgmlType t : TYPES) {
                    b.put(t, t.bytesFor(256 * blocks));
                    // not convex in size on purpose
                    k.put(t, rnd.nextDouble() * (t == GgmlType.Q6_K ? 0.1 : 1));
                }
                items.add(new MixPlan.Item("t" + i, b, k));
            }
            long min = MixPlan.minimumBytes(items), max = items.stream().mapToLong(it -> it.bytes().get(GgmlType.Q6_K)).sum();
            long budget = min + (long) (rnd.nextDouble() * (max - min));
            MixPlan p = MixPlan.choose(items, budget, Map.of());
            double best = Double.POSITIVE_INFINITY;
            for (int code = 0; code < 729; code++) {
                long bytes = 0;
                double kld = 0;
                for (int i = 0, c = code; i < 6; i++, c /= 3) {
                    GgmlType t = TYPES.get(c % 3);
                    bytes += items.get(i).bytes().get(t);
                    kld += items.get(i).kld().get(t);
                }
                if (bytes <= budget) best = Math.min(best, kld);
            }
            assertEquals(best, p.predictedKld(), 1e-12, "trial " + trial);
            assertTrue(p.predictedBytes() <= budget);
        }
    }

    @Test
    void infeasibleBudgetAndRoundTrip(@TempDir Path dir) throws Exception {
        MixPlan.Item it = new MixPlan.Item("blk.0.attn_q.weight", Map.of(GgmlType.Q4_K, 144L, GgmlType.Q6_K, 210L), Map.of(GgmlType.Q4_K, 0.2, GgmlType.Q6_K, 0.1));
        assertThrows(MixPlan.Infeasible.class, () -> MixPlan.choose(List.of(it), 143, Map.of()));
        MixPlan p = MixPlan.choose(List.of(it), 209, Map.of("model", "m"));
        assertEquals(Map.of("blk.0.attn_q.weight", GgmlType.Q4_K), p.types());
        p.write(dir.resolve("p.json"));
        MixPlan back = MixPlan.read(dir.resolve("p.json"));
        assertEquals(p.types(), back.types());
        assertEquals(p.predictedBytes(), back.predictedBytes());
        assertEquals(p.predictedKld(), back.predictedKld());
    }
}
