package dev.trit.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgmlType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A mixed-precision plan ({@code trit plan}): one type per tensor, chosen to minimize the summed
 * single-tensor KLD of a sensitivity table under a size budget, and the file {@code trit convert --plan}
 * applies.
 *
 * <p>The choice is an exact multiple-choice knapsack solved by dynamic programming over a size grid, not
 * a greedy pass: greedy by marginal KLD per byte is only optimal when each tensor's KLD is convex in its
 * size, and measured KLDs are not (Q3_K can be worse than Q2_K per byte saved on one tensor and better on
 * the next), while the exact DP costs tensors × cells × types steps, well under a second for ~300 tensors.
 * The grid cell is the greatest common divisor of all candidate sizes (K-quant and Q8_0 tensors are
 * multiples of their blocks, so this is usually hundreds of bytes: the DP is then exact), widened to
 * budget / 200000 when that is larger; sizes are rounded up to whole cells and the budget down, so a
 * plan never exceeds the budget, and with a widened cell it can give up at most tensors × cell bytes of it.
 *
 * @param types          tensor (GGUF name) → type, in the sensitivity table's tensor order
 * @param budgetBytes    the budget the plan was made for
 * @param predictedBytes the planned tensors' bytes
 * @param predictedKld   the sum of the chosen types' single-tensor mean KLDs (nats)
 * @param info           what it was made from (model, text, windows, ctx, ...), kept in the file
 */
public record MixPlan(Map<String, GgmlType> types, long budgetBytes, long predictedBytes, double predictedKld, Map<String, String> info) {
    public static final String SCHEMA = "trit.plan/1";
    static final int MAX_CELLS = 200_000;

    public MixPlan {
        types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types));
        info = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(info));
    }

    /** One tensor's candidates: per type, its bytes and its measured KLD. */
    public record Item(String tensor, Map<GgmlType, Long> bytes, Map<GgmlType, Double> kld) {
    }

    /** Thrown when even the smallest type of every tensor exceeds the budget. */
    public static final class Infeasible extends IllegalArgumentException {
        Infeasible(String m) {
            super(m);
        }
    }

    /** The smallest possible total: every tensor at its smallest candidate. */
    public static long minimumBytes(List<Item> items) {
        long s = 0;
        for (Item it : items) s += it.bytes.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        return s;
    }

    /** The exact (on the grid) minimum-KLD choice within the budget. */
    public static MixPlan choose(List<Item> items, long budget, Map<String, String> info) {
        long min = minimumBytes(items);
        if (budget < min) {
            throw new Infeasible("budget of " + budget + " bytes is below the smallest possible plan, " + min + " bytes (every tensor at its smallest type)");
        }
        long g = 0;
        for (Item it : items) for (long b : it.bytes.values()) g = gcd(g, b);
        long cell = Math.max(1, g);
        long wide = (budget + MAX_CELLS - 1) / MAX_CELLS;
        if (wide > cell) cell = (wide + cell - 1) / cell * cell;
        int cap = Math.toIntExact(budget / cell);
        int n = items.size();
        double[] dp = new double[cap + 1], next = new double[cap + 1];
        // dp[c]: least summed KLD of the tensors so far within c cells (infinite: impossible)
        java.util.Arrays.fill(dp, 0);
        byte[][] pick = new byte[n][cap + 1];
        for (int i = 0; i < n; i++) {
            Item it = items.get(i);
            List<GgmlType> ts = List.copyOf(it.bytes.keySet());
            java.util.Arrays.fill(next, Double.POSITIVE_INFINITY);
            for (int k = 0; k < ts.size(); k++) {
                long w = (it.bytes.get(ts.get(k)) + cell - 1) / cell;
                double cost = it.kld.get(ts.get(k));
                for (int c = (int) Math.min(w, cap + 1L); c <= cap; c++) {
                    double v = dp[c - (int) w] + cost;
                    // ties go to the earlier (listed first) type, so runs are deterministic
                    if (v < next[c]) {
                        next[c] = v;
                        pick[i][c] = (byte) k;
                    }
                }
            }
            double[] t = dp;
            dp = next;
            next = t;
        }
        if (!Double.isFinite(dp[cap])) {
            throw new Infeasible("budget of " + budget + " bytes is below the smallest possible plan on a grid of " + cell + " bytes");
        }
        Map<String, GgmlType> chosen = new LinkedHashMap<>();
        GgmlType[] back = new GgmlType[n];
        int c = cap;
        long bytes = 0;
        double kld = 0;
        for (int i = n - 1; i >= 0; i--) {
            Item it = items.get(i);
            GgmlType t = List.copyOf(it.bytes.keySet()).get(pick[i][c]);
            back[i] = t;
            c -= (int) ((it.bytes.get(t) + cell - 1) / cell);
            bytes += it.bytes.get(t);
            kld += it.kld.get(t);
        }
        for (int i = 0; i < n; i++) chosen.put(items.get(i).tensor, back[i]);
        Map<String, String> inf = new LinkedHashMap<>(info);
        inf.put("grid_bytes", Long.toString(cell));
        return new MixPlan(chosen, budget, bytes, kld, inf);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    public String toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("schema", SCHEMA);
        ObjectNode i = o.putObject("made_from");
        info.forEach(i::put);
        o.put("budget_bytes", budgetBytes);
        o.put("predicted_bytes", predictedBytes);
        o.put("predicted_kld_sum", predictedKld);
        ObjectNode t = o.putObject("tensors");
        types.forEach((k, v) -> t.put(k, v.label().toLowerCase(Locale.ROOT)));
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void write(Path file) throws IOException {
        Path tmp = dev.trit.formats.OutputFiles.tempFileBeside(file);
        Files.writeString(tmp, toJson());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a plan file; a malformed one is a FormatException naming it. */
    public static MixPlan read(Path file) throws IOException {
        JsonNode o;
        try {
            o = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new FormatException(file, "not a plan file: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (o == null || !SCHEMA.equals(o.path("schema").asText())) throw new FormatException(file, "not a plan file (schema " + SCHEMA + " expected)");
        JsonNode t = o.path("tensors");
        if (!t.isObject() || t.isEmpty()) throw new FormatException(file, "plan names no tensors");
        Map<String, GgmlType> types = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getValue().asText();
            GgmlType g = GgmlType.fromLabel(name).orElseThrow(() -> new FormatException(file, "tensor " + e.getKey() + ": unknown type " + name));
            types.put(e.getKey(), g);
        }
        Map<String, String> info = new LinkedHashMap<>();
        o.path("made_from").fields().forEachRemaining(e -> info.put(e.getKey(), e.getValue().asText()));
        return new MixPlan(types, o.path("budget_bytes").asLong(), o.path("predicted_bytes").asLong(), o.path("predicted_kld_sum").asDouble(), info);
    }
}
