package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufValue;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.testing.SharedFixtures;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama-quantize's mixtures: {@code trit convert mini-llama-f16.gguf --type T} against the files
 * llama-quantize wrote from the same F16 file (fixtures gguf-kquants/), byte for byte; from the HF
 * checkpoint the same tensors; and the rules on shapes the fixtures do not cover (GQA, many layers,
 * rows that are not whole blocks).
 */
class QuantMixTest {
    static final String TYPES = "Q2_K, Q3_K_S, Q3_K_M, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL";

    @TempDir
    Path tmp;

    static TargetType target(String type) {
        TargetType t = TargetType.parse(type, true).orElseThrow();
        assertTrue(t.isQuantMix(), type);
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    void fromTheF16GgufByteIdenticalToLlamaQuantize(String type) throws IOException {
        Path src = SharedFixtures.require("gguf/mini-llama-f16.gguf"), want = SharedFixtures.require("gguf-kquants/mini-llama-" + type + ".gguf");
        Path out = tmp.resolve("mini-llama-" + type + ".gguf");
        Converter.convert(src, out, new Converter.Options(target(type)), Progress.NONE);
        byte[] a = Files.readAllBytes(want), b = Files.readAllBytes(out);
        if (!java.util.Arrays.equals(a, b)) {
            int first = java.util.Arrays.mismatch(a, b);
            throw new AssertionError(type + ": " + b.length + " bytes, llama-quantize " + a.length + "; first difference at byte " + first
                    + "\n" + describe(want, out));
        }
    }

    /** From the HF checkpoint: the same tensors (order, types, shapes, bytes; Q/K permuted as llama.cpp does). */
    @ParameterizedTest
    @ValueSource(strings = {"Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    void fromHfSameTensorsAsLlamaQuantize(String type) throws IOException {
        Path src = SharedFixtures.require("hf/mini-llama-f16"), want = SharedFixtures.require("gguf-kquants/mini-llama-" + type + ".gguf");
        Path out = tmp.resolve("hf-" + type + ".gguf");
        Converter.convert(src, out, new Converter.Options(target(type)), Progress.NONE);
        try (GgufFile w = GgufFile.open(want); GgufFile g = GgufFile.open(out)) {
            assertEquals(w.tensors().stream().map(TensorInfo::name).toList(), g.tensors().stream().map(TensorInfo::name).toList());
            for (int i = 0; i < w.tensors().size(); i++) {
                TensorInfo x = w.tensors().get(i), y = g.tensors().get(i);
                assertEquals(x.type(), y.type(), x.name());
                assertArrayEquals(x.shape(), y.shape(), x.name());
                assertArrayEquals(w.data(x).toArray(ValueLayout.JAVA_BYTE), g.data(y).toArray(ValueLayout.JAVA_BYTE), x.name());
            }
            assertEquals(w.metadata().get("general.file_type"), g.metadata().get("general.file_type"));
            List<String> keys = new ArrayList<>(g.metadata().keySet());
            assertEquals(List.of("general.quantization_version", "general.file_type"), keys.subList(keys.size() - 2, keys.size()));
        }
    }

    private static String describe(Path want, Path got) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (GgufFile w = GgufFile.open(want); GgufFile g = GgufFile.open(got)) {
            sb.append("keys llama-quantize: ").append(w.metadata().keySet()).append("\nkeys trit:           ").append(g.metadata().keySet()).append('\n');
            for (Map.Entry<String, GgufValue> e : w.metadata().entrySet()) {
                if (!e.getValue().equals(g.metadata().get(e.getKey()))) sb.append("  ").append(e.getKey()).append(" differs\n");
            }
            for (int i = 0; i < Math.min(w.tensors().size(), g.tensors().size()); i++) {
                TensorInfo x = w.tensors().get(i), y = g.tensors().get(i);
                String d = !x.name().equals(y.name()) ? "name " + y.name() : x.type() != y.type() ? "type " + y.type()
                        : !java.util.Arrays.equals(w.data(x).toArray(ValueLayout.JAVA_BYTE), g.data(y).toArray(ValueLayout.JAVA_BYTE)) ? "bytes" : null;
                if (d != null) sb.append(String.format(Locale.ROOT, "  tensor %d %s (%s): %s%n", i, x.name(), x.type(), d));
            }
        }
        return sb.toString();
    }

    // ---- the rules on shapes the fixtures do not have

    private static List<String> layerNames(int layers, boolean tied) {
        List<String> names = new ArrayList<>();
        if (!tied) names.add("output.weight");
        names.add("output_norm.weight");
        names.add("token_embd.weight");
        for (int l = 0; l < layers; l++) {
            for (String n : new String[] {"attn_k", "attn_norm", "attn_output", "attn_q", "attn_v", "ffn_down", "ffn_gate", "ffn_norm", "ffn_up"}) {
                names.add("blk." + l + "." + n + ".weight");
            }
        }
        names.sort(QuantMix.FILE_ORDER);
        return names;
    }

    private static Map<String, GgmlType> choose(TargetType t, int layers, int heads, int kv, boolean tied, long cols) {
        List<String> names = layerNames(layers, tied);
        List<long[]> shapes = names.stream().map(n -> n.endsWith("norm.weight") ? new long[] {cols} : new long[] {64, cols}).toList();
        List<QuantMix.Choice> c = QuantMix.choose(t, names, shapes, new QuantMix.Model(layers, heads, kv, false), tied, EmbeddingTypes.DEFAULT);
        Map<String, GgmlType> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), c.get(i) == null ? null : c.get(i).type());
        return m;
    }

    @Test
    void fileOrderIsByLayerNumberThenName() {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "token_embd.weight", "blk.9.ffn_up.weight", "blk.9.attn_k.weight",
                "output.weight", "output_norm.weight", "rope_freqs.weight"));
        names.sort(QuantMix.FILE_ORDER);
        assertEquals(List.of("output.weight", "output_norm.weight", "rope_freqs.weight", "token_embd.weight", "blk.9.attn_k.weight",
                "blk.9.ffn_up.weight", "blk.10.attn_q.weight"), names);
    }

    @Test
    void useMoreBitsOn32Layers() {
        List<Integer> more = new ArrayList<>();
        for (int i = 0; i < 32; i++) if (QuantMix.useMoreBits(i, 32)) more.add(i);
        // the first and last eighth, and every third layer between from the 3rd on
        assertEquals(List.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31), more);
    }

    @Test
    void mixturesOnA32LayerGqaModel() {
        // untied, 32 layers, GQA 4 (LLaMA 3 8B-like)
        Map<String, GgmlType> q4km = choose(TargetType.GGUF_Q4_K_M, 32, 32, 8, false, 4096);
        assertEquals(GgmlType.Q6_K, q4km.get("output.weight"));
        assertEquals(GgmlType.Q4_K, q4km.get("token_embd.weight"), "untied: the embedding keeps the base type");
        assertNull(q4km.get("output_norm.weight"));
        assertEquals(GgmlType.Q6_K, q4km.get("blk.6.attn_v.weight"));
        assertEquals(GgmlType.Q4_K, q4km.get("blk.7.attn_v.weight"));
        assertEquals(GgmlType.Q6_K, q4km.get("blk.31.ffn_down.weight"));
        assertEquals(GgmlType.Q4_K, q4km.get("blk.16.ffn_down.weight"));
        assertEquals(GgmlType.Q4_K, q4km.get("blk.0.attn_output.weight"));
        Map<String, GgmlType> q2 = choose(TargetType.GGUF_Q2_K, 32, 32, 8, false, 4096);
        assertEquals(GgmlType.Q4_K, q2.get("blk.5.attn_v.weight"), "GQA >= 4");
        assertEquals(GgmlType.Q3_K, q2.get("blk.5.ffn_down.weight"));
        assertEquals(GgmlType.Q3_K, q2.get("blk.5.attn_output.weight"));
        assertEquals(GgmlType.Q2_K, q2.get("blk.5.attn_q.weight"));
        Map<String, GgmlType> q3kl = choose(TargetType.GGUF_Q3_K_L, 32, 32, 8, false, 4096);
        assertEquals(GgmlType.Q5_K, q3kl.get("blk.5.attn_v.weight"));
        assertEquals(GgmlType.Q5_K, q3kl.get("blk.5.ffn_down.weight"));
        assertEquals(GgmlType.Q5_K, q3kl.get("blk.5.attn_output.weight"));
        assertEquals(GgmlType.Q3_K, q3kl.get("blk.5.ffn_up.weight"));
        Map<String, GgmlType> q3km = choose(TargetType.GGUF_Q3_K_M, 32, 32, 8, false, 4096);
        assertEquals(GgmlType.Q5_K, q3km.get("blk.1.ffn_down.weight"), "first 1/16 of ffn_down");
        assertEquals(GgmlType.Q4_K, q3km.get("blk.2.ffn_down.weight"));
        Map<String, GgmlType> q4ks = choose(TargetType.GGUF_Q4_K_S, 32, 32, 8, false, 4096);
        assertEquals(GgmlType.Q5_K, q4ks.get("blk.3.attn_v.weight"));
        assertEquals(GgmlType.Q4_K, q4ks.get("blk.4.attn_v.weight"));
        assertEquals(GgmlType.Q5_K, q4ks.get("blk.3.ffn_down.weight"), "first eighth");
        assertEquals(GgmlType.Q4_K, q4ks.get("blk.4.ffn_down.weight"));
        Map<String, GgmlType> iq4 = choose(TargetType.GGUF_IQ4_NL, 32, 32, 8, false, 4096);
        assertEquals(GgmlType.Q5_K, iq4.get("blk.20.attn_v.weight"));
        assertEquals(GgmlType.Q5_K, iq4.get("blk.3.ffn_down.weight"));
        assertEquals(GgmlType.IQ4_NL, iq4.get("blk.4.ffn_down.weight"));
        assertEquals(GgmlType.Q6_K, iq4.get("output.weight"));
    }

    @Test
    void rowsThatAreNotWholeBlocksFallBack() {
        // 2880 = 11.25 blocks of 256, 90 blocks of 32 (gpt-oss-like width)
        Map<String, GgmlType> q4km = choose(TargetType.GGUF_Q4_K_M, 4, 4, 4, true, 2880);
        assertEquals(GgmlType.Q8_0, q4km.get("token_embd.weight"), "tied output rule: Q8_0 when rows are not whole base blocks");
        assertEquals(GgmlType.Q5_0, q4km.get("blk.0.attn_q.weight"));
        assertEquals(GgmlType.Q8_0, q4km.get("blk.3.attn_v.weight"), "Q6_K falls back to Q8_0");
        assertEquals(GgmlType.Q5_1, choose(TargetType.GGUF_Q5_K_S, 4, 4, 4, true, 2880).get("blk.0.ffn_up.weight"));
        assertEquals(GgmlType.Q4_0, choose(TargetType.GGUF_Q2_K, 4, 4, 4, true, 2880).get("blk.0.ffn_up.weight"));
        // neither 256 nor 32: a K type's fallback is F16; Q8_0 (the output rule) and the block-32 types have none (llama-quantize stops)
        assertEquals(GgmlType.F16, QuantMix.fallback("blk.0.ffn_down.weight", 100, GgmlType.Q4_K).type());
        assertThrows(IllegalArgumentException.class, () -> choose(TargetType.GGUF_Q4_K_M, 4, 4, 4, true, 100));
        assertThrows(IllegalArgumentException.class, () -> QuantMix.fallback("blk.0.ffn_down.weight", 100, GgmlType.Q4_0));
    }

    @Test
    void labelsAndFileTypes() {
        assertEquals(15, TargetType.parse("q4_k_m", true).orElseThrow().fileType());
        assertEquals("q3_k_l", TargetType.GGUF_Q3_K_L.label());
        assertEquals(13, TargetType.GGUF_Q3_K_L.fileType());
        assertEquals(25, TargetType.parse("IQ4_NL", true).orElseThrow().fileType());
        assertTrue(TargetType.parse("q4_k_m", false).isEmpty());
        assertTrue(!TargetType.GGUF_Q8_0.isQuantMix());
    }
}
