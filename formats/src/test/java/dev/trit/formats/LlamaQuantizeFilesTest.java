package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.testing.SharedFixtures;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The codecs against llama-quantize's own files (../shared/fixtures/gguf-kquants/, made from
 * gguf/mini-llama-f16.gguf without an importance matrix; see the fixtures README). For every tensor of
 * every file:
 * <ul>
 *   <li>its type is the one the oracle (oracle/llama-cpp-kquants.json, which also gives each file's
 *       sha256, checked first) lists; F32 norms are the source's bytes;</li>
 *   <li>decoding gives finite values whose relative RMS error against the F16 source tensor (same name;
 *       llama.cpp keeps the permuted Q/K rows in both files) lies in the band measured for its type;</li>
 *   <li>encoding the F16 source widened to float32 (as llama-quantize does) gives llama-quantize's bytes
 *       exactly: measured 377 of 377 quantized tensors (10 types) byte-identical, so no block may
 *       differ;</li>
 *   <li>decodeRange over a run of rows in the middle equals that slice of the whole decode.</li>
 * </ul>
 * Then the types order as their bits per weight say. Measured relative RMS error, pooled (sqrt(sum
 * err^2 / sum x^2) over every tensor of the type in all files) and per tensor min..max; tensors
 * byte-identical / quantized tensors; blocks:
 * <pre>
 *   Q6_K    0.01633  0.01620..0.01786   49/49   70,656 blocks (token_embd in every file, and Q6_K layers)
 *   Q5_K    0.03604  0.03553..0.03631   58/58   26,112
 *   Q5_1    0.03775  0.03722..0.03802   28/28  106,496
 *   Q5_0    0.04262  0.04209..0.04289   28/28  106,496
 *   Q4_K    0.07120  0.06997..0.07161   58/58   28,160
 *   IQ4_NL  0.07606  0.07532..0.07642   28/28  106,496
 *   Q4_1    0.07808  0.07691..0.07853   28/28  106,496
 *   Q4_0    0.08575  0.08399..0.08633   28/28  106,496
 *   Q3_K    0.15073  0.14886..0.15205   56/56   26,624
 *   Q2_K    0.29572  0.29210..0.29726   16/16    8,192
 * </pre>
 * (The output lists them with -Dtest=LlamaQuantizeFilesTest.)
 */
class LlamaQuantizeFilesTest {
    private static final List<String> FILES = List.of("Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_1", "Q4_0",
            "IQ4_NL", "Q3_K_M", "Q3_K_S", "Q2_K");
    /** Lowest error first: the order bits per weight predict (IQ4_NL's table beats Q4_1's min at 4.5 bpw, Q4_K's search beats both). */
    private static final List<GgmlType> ORDER = List.of(GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q5_1, GgmlType.Q5_0, GgmlType.Q4_K,
            GgmlType.IQ4_NL, GgmlType.Q4_1, GgmlType.Q4_0, GgmlType.Q3_K, GgmlType.Q2_K);
    /** Per type, the band every tensor's relative RMS error must fall in: measured min / max -3% / +3%. */
    private static final Map<GgmlType, double[]> BAND = new EnumMap<>(Map.of(
            GgmlType.Q6_K, new double[] {0.01620, 0.01786},
            GgmlType.Q5_K, new double[] {0.03553, 0.03631},
            GgmlType.Q5_1, new double[] {0.03722, 0.03802},
            GgmlType.Q5_0, new double[] {0.04209, 0.04289},
            GgmlType.Q4_K, new double[] {0.06997, 0.07161},
            GgmlType.IQ4_NL, new double[] {0.07532, 0.07642},
            GgmlType.Q4_1, new double[] {0.07691, 0.07853},
            GgmlType.Q4_0, new double[] {0.08399, 0.08633},
            GgmlType.Q3_K, new double[] {0.14886, 0.15205},
            GgmlType.Q2_K, new double[] {0.29210, 0.29726}));

    private static final class Stats {
        int tensors, identical;
        long blocks, differingBlocks;
        double se, sx, min = Double.MAX_VALUE, max;
    }

    @Test
    void everyTensorOfEveryFileIsWhatLlamaQuantizeWrote() throws Exception {
        Path dir = SharedFixtures.require("gguf-kquants");
        JsonNode oracle = new ObjectMapper().readTree(SharedFixtures.require("oracle/llama-cpp-kquants.json").toFile());
        Map<GgmlType, Stats> stats = new EnumMap<>(GgmlType.class);
        List<String> failures = new ArrayList<>();
        try (GgufFile f16 = GgufFile.open(SharedFixtures.require("gguf/mini-llama-f16.gguf"))) {
            for (String name : FILES) {
                String file = "mini-llama-" + name + ".gguf";
                Path path = SharedFixtures.require("gguf-kquants/" + file);
                JsonNode entry = oracle.get(file);
                assertEquals(entry.get("sha256").asText(), sha256(path), file + " is not the file the oracle describes");
                try (GgufFile q = GgufFile.open(path)) {
                    Map<String, String> types = new LinkedHashMap<>();
                    for (TensorInfo t : q.tensors()) types.put(t.name(), t.type().label());
                    Map<String, String> want = new LinkedHashMap<>();
                    entry.get("tensor_types").properties().forEach(e -> want.put(e.getKey(), e.getValue().asText()));
                    assertEquals(want, types, file + ": tensor types");
                    for (TensorInfo t : q.tensors()) check(file, f16, q, t, stats, failures);
                }
            }
        }
        StringBuilder table = new StringBuilder("type     tensors  identical  differing blocks   rel RMS (pooled, min, max)\n");
        for (GgmlType type : ORDER) {
            Stats s = stats.get(type);
            table.append(String.format("%-7s  %7d  %9d  %8d / %-7d  %.5f %.5f %.5f%n", type, s.tensors, s.identical, s.differingBlocks, s.blocks,
                    Math.sqrt(s.se / s.sx), s.min, s.max));
        }
        System.out.print(table);
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures) + "\n" + table);
        assertEquals(ORDER.size(), stats.size(), "types seen: " + stats.keySet());
        assertEquals(377, stats.values().stream().mapToInt(s -> s.tensors).sum(), "quantized tensors in the 13 files");
        for (int i = 1; i < ORDER.size(); i++) {
            Stats a = stats.get(ORDER.get(i - 1)), b = stats.get(ORDER.get(i));
            assertTrue(a.se / a.sx < b.se / b.sx, ORDER.get(i - 1) + " should be more accurate than " + ORDER.get(i) + "\n" + table);
        }
    }

    private static void check(String file, GgufFile f16, GgufFile q, TensorInfo t, Map<GgmlType, Stats> stats, List<String> failures) {
        String where = file + " " + t.name() + " (" + t.type() + ")";
        TensorInfo h = f16.find(t.name()).orElseThrow(() -> new AssertionError(where + ": not in the F16 file"));
        assertArrayEquals(h.shape(), t.shape(), where);
        byte[] bytes = q.data(t).toArray(ValueLayout.JAVA_BYTE);
        if (t.type() == GgmlType.F32) {
            assertEquals(GgmlType.F32, h.type(), where);
            assertArrayEquals(f16.data(h).toArray(ValueLayout.JAVA_BYTE), bytes, where + ": norms are copied");
            return;
        }
        assertEquals(GgmlType.F16, h.type(), where);
        GgmlType type = (GgmlType) t.type();
        BlockCodec codec = BlockCodec.of(type);
        int n = Math.toIntExact(h.elements());
        float[] w = F16Codec.INSTANCE.decode(f16.data(h), n);
        float[] y = codec.decode(q.data(t), n);
        Stats s = stats.computeIfAbsent(type, k -> new Stats());
        double se = 0, sx = 0;
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(y[i])) {
                failures.add(where + ": weight " + i + " decodes to " + y[i]);
                return;
            }
            double e = (double) y[i] - w[i];
            se += e * e;
            sx += (double) w[i] * w[i];
        }
        double rel = Math.sqrt(se / sx);
        s.tensors++;
        s.se += se;
        s.sx += sx;
        s.min = Math.min(s.min, rel);
        s.max = Math.max(s.max, rel);
        double[] band = BAND.get(type);
        if (rel < band[0] * 0.97 || rel > band[1] * 1.03) failures.add(String.format("%s: relative RMS error %.5f outside [%.5f, %.5f] +-3%%", where, rel, band[0], band[1]));
        // a run of rows from the middle, through decodeRange
        int row = Math.toIntExact(t.dim(0)), rows = n / row, first = rows / 3, count = Math.min(5, rows - first);
        float[] part = new float[count * row];
        codec.decodeRange(q.data(t), (long) first * row, part, 0, part.length);
        for (int i = 0; i < part.length; i++) {
            if (Float.floatToRawIntBits(part[i]) != Float.floatToRawIntBits(y[first * row + i])) {
                failures.add(where + ": decodeRange differs at row " + first + " + " + i / row);
                break;
            }
        }
        byte[] mine = codec.encode(w);
        int bb = type.blockBytes(), blocks = bytes.length / bb, differing = 0, firstDiff = -1;
        assertEquals(bytes.length, mine.length, where + ": encoded size");
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < bb; k++) {
                if (mine[b * bb + k] != bytes[b * bb + k]) {
                    if (differing++ == 0) firstDiff = b;
                    break;
                }
            }
        }
        s.blocks += blocks;
        s.differingBlocks += differing;
        if (differing == 0) s.identical++;
        else failures.add(where + ": " + differing + " of " + blocks + " blocks differ from llama-quantize's (first: block " + firstDiff + ")");
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
