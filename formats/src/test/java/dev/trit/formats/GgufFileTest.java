package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads llama.cpp's own GGUF files. Expected values come from the fixtures README (model shapes) and
 * from the vocab tests' .inp/.out files, not from this reader.
 */
class GgufFileTest {

    @ParameterizedTest
    @ValueSource(strings = {"mini-bitnet-tq1_0.gguf", "mini-bitnet-tq2_0.gguf", "mini-llama-q8_0.gguf"})
    void readsModelFiles(String name) throws IOException {
        Path p = Fixtures.bundled("gguf/" + name);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            boolean bitnet = name.contains("bitnet");
            assertEquals(bitnet ? "bitnet" : "llama", f.architecture());
            String arch = f.architecture();
            // README: hidden 256, 4 layers, 4 heads, FFN 768, vocab 4096, rope theta 500000, eps 1e-5
            assertEquals(4, f.integer(arch + ".block_count").orElseThrow());
            assertEquals(256, f.integer(arch + ".embedding_length").orElseThrow());
            assertEquals(768, f.integer(arch + ".feed_forward_length").orElseThrow());
            assertEquals(4, f.integer(arch + ".attention.head_count").orElseThrow());
            assertEquals(500000.0, f.real(arch + ".rope.freq_base").orElseThrow());
            assertEquals(1e-5, f.real(arch + ".attention.layer_norm_rms_epsilon").orElseThrow(), 1e-12);
            assertEquals(4096, f.stringArray("tokenizer.ggml.tokens").size());
            assertEquals(4096, f.floatArray("tokenizer.ggml.scores").length);
            assertEquals(4096, f.intArray("tokenizer.ggml.token_type").length);
            assertEquals("<s>", f.stringArray("tokenizer.ggml.tokens").get(1)); // README: BOS 1 EOS 2 UNK 0
            assertEquals(1, f.integer("tokenizer.ggml.bos_token_id").orElseThrow());
            assertEquals(2, f.integer("tokenizer.ggml.eos_token_id").orElseThrow());
            assertEquals("llama", f.string("tokenizer.ggml.model").orElseThrow());
            assertEquals(Boolean.TRUE, f.bool("tokenizer.ggml.add_bos_token").orElseThrow());
            // 1 embedding + output norm + 9 (llama) or 11 (bitnet: two sub-norms) per layer
            assertEquals(2 + 4 * (bitnet ? 11 : 9), f.tensors().size());

            TensorInfo emb = f.find("token_embd.weight").orElseThrow();
            assertArrayEquals(new long[] {4096, 256}, emb.shape());
            assertArrayEquals(new long[] {256, 4096}, f.ne("token_embd.weight"));
            TensorInfo down = f.find("blk.0.ffn_down.weight").orElseThrow();
            assertArrayEquals(new long[] {256, 768}, down.shape()); // [out, in]
            TensorInfo norm = f.find("output_norm.weight").orElseThrow();
            assertEquals(GgmlType.F32, norm.type());
            assertArrayEquals(new long[] {256}, norm.shape());

            assertEquals(0, f.dataStart() % 32);
            assertTrue(f.dataStart() >= f.headerEnd() && f.dataStart() - f.headerEnd() < 32);
            // The tensors tile the data section to the end of the file, each padded to 32 bytes.
            long end = f.dataStart();
            for (TensorInfo t : f.tensors()) {
                assertEquals(end, t.offset(), t.name());
                assertEquals(t.type().bytesFor(t.elements()), t.byteSize());
                assertEquals(t.byteSize(), f.data(t).byteSize());
                end += (t.byteSize() + 31) / 32 * 32;
            }
            assertEquals(Files.size(p), end);
            assertTrue(f.data(norm).isReadOnly());
            assertEquals(Long.toString(4), f.stringMetadata().get(arch + ".block_count"));
        }
    }

    @Test
    void tensorTypesAreWhatTheConverterChose() throws IOException {
        try (GgufFile tq1 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq1_0.gguf"));
             GgufFile tq2 = GgufFile.open(Fixtures.bundled("gguf/mini-bitnet-tq2_0.gguf"));
             GgufFile q8 = GgufFile.open(Fixtures.bundled("gguf/mini-llama-q8_0.gguf"))) {
            assertEquals(GgmlType.TQ1_0, tq1.find("blk.3.attn_q.weight").orElseThrow().type());
            assertEquals(GgmlType.TQ2_0, tq2.find("blk.3.ffn_up.weight").orElseThrow().type());
            assertEquals(GgmlType.F16, tq1.find("token_embd.weight").orElseThrow().type());
            assertEquals(GgmlType.Q8_0, q8.find("token_embd.weight").orElseThrow().type());
            assertEquals(GgmlType.F32, q8.find("blk.0.attn_norm.weight").orElseThrow().type());
            assertEquals(36, tq1.integer("general.file_type").orElseThrow()); // LlamaFileType.MOSTLY_TQ1_0
            assertEquals(37, tq2.integer("general.file_type").orElseThrow());
            assertEquals(7, q8.integer("general.file_type").orElseThrow());
        }
    }

    /** Number of test strings in a vocab test's .inp file (separated by __ggml_vocab_test__ lines). */
    private static int expectedLines(Path out) throws IOException {
        return Files.readAllLines(out).size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"falcon", "gpt-2", "llama-spm", "phi-3"})
    void readsVocabOnlyFiles(String name) throws IOException {
        Path p = Fixtures.bundled("vocab/ggml-vocab-" + name + ".gguf");
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(0, f.tensors().size());
            assertEquals(Files.size(p), f.headerEnd());
            List<String> tokens = f.stringArray("tokenizer.ggml.tokens");
            int[] types = f.intArray("tokenizer.ggml.token_type");
            assertEquals(tokens.size(), types.length);
            // every expected token id in the .out file is inside the vocabulary
            int max = Files.readAllLines(Path.of(p + ".out")).stream().flatMap(l -> Stream.of(l.trim().split("\\s+")))
                    .filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).max().orElse(0);
            assertTrue(max < tokens.size());
            assertTrue(expectedLines(Path.of(p + ".out")) > 0);
            switch (name) {
                case "llama-spm" -> {
                    assertEquals(32000, tokens.size());
                    assertEquals(32000, f.integer("llama.vocab_size").orElseThrow());
                    assertEquals(32000, f.floatArray("tokenizer.ggml.scores").length);
                }
                case "gpt-2" -> {
                    assertEquals(50257, tokens.size()); // GPT-2's vocabulary
                    assertEquals("gpt2", f.string("tokenizer.ggml.model").orElseThrow());
                    assertEquals(50256, f.integer("tokenizer.ggml.eos_token_id").orElseThrow());
                    assertEquals(50000, f.stringArray("tokenizer.ggml.merges").size()); // GPT-2's merges.txt
                }
                default -> assertTrue(tokens.size() > 30000);
            }
            assertThrows(IllegalStateException.class, () -> f.string("tokenizer.ggml.tokens"));
            assertThrows(IllegalStateException.class, () -> f.floatArray("tokenizer.ggml.tokens"));
            assertTrue(f.string("no.such.key").isEmpty());
            assertEquals(0, f.stringArray("no.such.key").size());
        }
    }
}
