package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufValue;
import dev.trit.formats.TensorInfo;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HF checkpoints converted to GGUF against the files llama.cpp's convert_hf_to_gguf.py wrote from the
 * same checkpoints: every tensor's name, type, shape and bytes identical, in the same order, and every
 * metadata key of llama.cpp's file present with the same type and value.
 */
class LlamaCppFixtureTest {
    @TempDir
    Path tmp;

    static Path fixture(String rel) {
        Path bundled = Path.of(System.getProperty("trit.root"), "fixtures", rel);
        return Files.exists(bundled) ? bundled : Path.of(System.getProperty("trit.root")).resolve("../shared/fixtures").resolve(rel).normalize();
    }

    /** GGUF to GGUF: llama.cpp's F16 files (LLaMA Q/K permuted; BitNet ternary as ±s/0) to its quantized files. */
    @ParameterizedTest
    @CsvSource({"mini-llama-f16, mini-llama-q8_0, q8_0", "mini-bitnet-f16, mini-bitnet-tq1_0, tq1_0", "mini-bitnet-f16, mini-bitnet-tq2_0, tq2_0"})
    void fromLlamaCppF16Files(String src, String gguf, String type) throws IOException {
        Path from = fixture("gguf/" + src + ".gguf"), expected = fixture("gguf/" + gguf + ".gguf");
        dev.trit.formats.testing.SharedFixtures.present(from);
        Path out = tmp.resolve("re-" + gguf + ".gguf");
        Converter.convert(from, out, new Converter.Options(TargetType.parse(type, true).orElseThrow()), Progress.NONE);
        try (GgufFile want = GgufFile.open(expected); GgufFile got = GgufFile.open(out)) {
            assertEquals(want.tensors().size(), got.tensors().size());
            for (int i = 0; i < want.tensors().size(); i++) {
                TensorInfo w = want.tensors().get(i), t = got.tensors().get(i);
                assertEquals(w.name(), t.name());
                assertEquals(w.type(), t.type(), w.name());
                assertArrayEquals(want.data(w).toArray(ValueLayout.JAVA_BYTE), got.data(t).toArray(ValueLayout.JAVA_BYTE), w.name());
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"mini-bitnet-fp16, mini-bitnet-tq1_0, tq1_0", "mini-bitnet-fp16, mini-bitnet-tq2_0, tq2_0",
            "mini-bitnet-fp16, mini-bitnet-f16, f16", "mini-llama-f16, mini-llama-f16, f16", "mini-llama-f16, mini-llama-q8_0, q8_0"})
    void byteIdenticalToLlamaCpp(String hf, String gguf, String type) throws IOException {
        Path expected = fixture("gguf/" + gguf + ".gguf");
        dev.trit.formats.testing.SharedFixtures.present(expected);
        Path out = tmp.resolve(gguf + ".gguf");
        Converter.convert(fixture("hf/" + hf), out, new Converter.Options(TargetType.parse(type, true).orElseThrow()), Progress.NONE);
        try (GgufFile want = GgufFile.open(expected); GgufFile got = GgufFile.open(out)) {
            List<String> mismatches = new ArrayList<>();
            for (Map.Entry<String, GgufValue> e : want.metadata().entrySet()) {
                GgufValue g = got.metadata().get(e.getKey());
                if (!e.getValue().equals(g)) mismatches.add(e.getKey() + ": llama.cpp " + e.getValue() + ", trit " + g);
            }
            assertEquals(List.of(), mismatches, "metadata");
            assertEquals(want.tensors().size(), got.tensors().size());
            for (int i = 0; i < want.tensors().size(); i++) {
                TensorInfo w = want.tensors().get(i), t = got.tensors().get(i);
                assertEquals(w.name(), t.name(), "tensor " + i);
                assertEquals(w.type(), t.type(), w.name());
                assertArrayEquals(w.shape(), t.shape(), w.name());
                byte[] wb = want.data(w).toArray(ValueLayout.JAVA_BYTE), tb = got.data(t).toArray(ValueLayout.JAVA_BYTE);
                int diff = 0;
                for (int j = 0; j < wb.length; j++) if (wb[j] != tb[j]) diff++;
                assertEquals(0, diff, w.name() + " differs in " + diff + " of " + wb.length + " bytes");
            }
            assertTrue(got.alignment() == 32);
        }
    }

    /**
     * --output-tensor-type q8_0 on an otherwise F16 conversion of a tied model: token_embd (its output
     * matrix) equals llama.cpp's Q8_0 file, which quantized it from the same weights.
     */
    @org.junit.jupiter.api.Test
    void embeddingAndOutputTypesMatchLlamaCppQ8() throws IOException {
        Path q8 = fixture("gguf/mini-llama-q8_0.gguf");
        Path out = tmp.resolve("heads.gguf");
        Converter.convert(fixture("hf/mini-llama-f16"), out, new Converter.Options(TargetType.GGUF_F16, false, false, true,
                HfTarget.DEFAULT_MAX_SHARD_BYTES, null, new EmbeddingTypes(null, dev.trit.formats.GgmlType.Q8_0)), Progress.NONE);
        try (GgufFile want = GgufFile.open(q8); GgufFile got = GgufFile.open(out)) {
            assertTrue(want.find("output.weight").isEmpty(), "mini-llama ties its embeddings");
            for (String name : List.of("token_embd.weight")) {
                TensorInfo w = want.find(name).orElseThrow(), t = got.find(name).orElseThrow();
                assertEquals(dev.trit.formats.GgmlType.Q8_0, t.type(), name);
                assertArrayEquals(want.data(w).toArray(ValueLayout.JAVA_BYTE), got.data(t).toArray(ValueLayout.JAVA_BYTE), name);
            }
            assertEquals(dev.trit.formats.GgmlType.F16, got.find("blk.0.attn_q.weight").orElseThrow().type());
        }
    }

    /** A tied model's token_embd is its output matrix: --output-tensor-type governs it, as in llama-quantize. */
    @org.junit.jupiter.api.Test
    void tiedEmbeddingTakesTheOutputType() throws IOException {
        Path out = tmp.resolve("tied.gguf");
        Converter.convert(fixture("hf/mini-bitnet-fp16"), out, new Converter.Options(TargetType.GGUF_TQ2_0, false, false, true,
                HfTarget.DEFAULT_MAX_SHARD_BYTES, null, new EmbeddingTypes(dev.trit.formats.GgmlType.F16, dev.trit.formats.GgmlType.Q4_0)), Progress.NONE);
        try (GgufFile got = GgufFile.open(out)) {
            assertTrue(got.find("output.weight").isEmpty());
            assertEquals(dev.trit.formats.GgmlType.Q4_0, got.find("token_embd.weight").orElseThrow().type());
            assertEquals(dev.trit.formats.GgmlType.TQ2_0, got.find("blk.0.ffn_up.weight").orElseThrow().type());
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new EmbeddingTypes(dev.trit.formats.GgmlType.TQ2_0, null));
    }
}
