package dev.trit.e2e;

import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code trit convert ... --type q4_k_m} etc.: llama-quantize's mixtures from the command line, against
 * the files llama-quantize wrote (fixtures gguf-kquants/, made without an imatrix from
 * gguf/mini-llama-f16.gguf).
 */
class KQuantConvertTest {
    @TempDir
    Path tmp;

    /** From llama.cpp's F16 file: the whole file byte for byte (header, KV order, tensor order, padding, data). */
    @ParameterizedTest
    @ValueSource(strings = {"Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    void byteIdenticalToLlamaQuantize(String type) throws IOException {
        Path src = SharedFixtures.require("gguf/mini-llama-f16.gguf"), want = SharedFixtures.require("gguf-kquants/mini-llama-" + type + ".gguf");
        Path out = tmp.resolve("mini-llama-" + type + ".gguf");
        String t = type.toLowerCase(Locale.ROOT);
        Cli r = Cli.run("convert", "-q", src.toString(), out.toString(), "--type", t);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("(" + t + ")"), r.out());
        assertTrue(r.out().contains("F32 -> F32"), r.out());
        byte[] a = Files.readAllBytes(want), b = Files.readAllBytes(out);
        assertEquals(a.length, b.length, "file size");
        assertEquals(-1, Arrays.mismatch(a, b), "first differing byte");
    }

    /** From the HF checkpoint: llama-quantize's tensors (Q/K rows permuted as llama.cpp's converter does), the summary per type. */
    @Test
    void fromHfQ4KmHasLlamaQuantizesTensors() throws IOException {
        Path want = SharedFixtures.require("gguf-kquants/mini-llama-Q4_K_M.gguf");
        Path out = tmp.resolve("hf.q4_k_m.gguf");
        Cli r = Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString(), "--type", "Q4_K_M");
        assertEquals(0, r.exitCode(), r::toString);
        // 4 layers: attn_q, attn_k, attn_output, ffn_gate, ffn_up, and attn_v/ffn_down of layers 0-1 Q4_K; the rest Q6_K
        assertTrue(r.out().contains("F16 -> Q4_K"), r.out());
        assertTrue(r.out().contains("F16 -> Q6_K"), r.out());
        try (GgufFile w = GgufFile.open(want); GgufFile g = GgufFile.open(out)) {
            assertEquals(w.tensors().size(), g.tensors().size());
            for (int i = 0; i < w.tensors().size(); i++) {
                TensorInfo x = w.tensors().get(i), y = g.tensors().get(i);
                assertEquals(x.name(), y.name());
                assertEquals(x.type(), y.type(), x.name());
                assertArrayEquals(w.data(x).toArray(ValueLayout.JAVA_BYTE), g.data(y).toArray(ValueLayout.JAVA_BYTE), x.name());
            }
            assertEquals(GgmlType.Q6_K, g.find("token_embd.weight").orElseThrow().type(), "tied: the output rule");
            assertEquals(15L, g.integer("general.file_type").orElseThrow());
        }
    }

    /** The BitNet F16 file to TQ2_0 with a Q6_K output matrix: every tensor as llama-quantize's mini-bitnet-tq2_0-q6k.gguf. */
    @Test
    void bitnetTq2WithQ6kOutputHasLlamaQuantizesTensors() throws IOException {
        Path src = SharedFixtures.require("gguf/mini-bitnet-f16.gguf"), want = SharedFixtures.require("gguf/mini-bitnet-tq2_0-q6k.gguf");
        Path out = tmp.resolve("bitnet.tq2_0-q6k.gguf");
        Cli r = Cli.run("convert", "-q", src.toString(), out.toString(), "--type", "tq2_0", "--output-tensor-type", "q6_k");
        assertEquals(0, r.exitCode(), r::toString);
        try (GgufFile w = GgufFile.open(want); GgufFile g = GgufFile.open(out)) {
            assertEquals(w.tensors().size(), g.tensors().size());
            for (TensorInfo x : w.tensors()) {
                TensorInfo y = g.find(x.name()).orElseThrow();
                assertEquals(x.type(), y.type(), x.name());
                assertArrayEquals(w.data(x).toArray(ValueLayout.JAVA_BYTE), g.data(y).toArray(ValueLayout.JAVA_BYTE), x.name());
            }
        }
    }

    @Test
    void unknownMixtureNamesTheTypes() {
        Cli r = Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), tmp.resolve("x.gguf").toString(), "--type", "q4_k_x");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("q4_k_s|m"), r.err());
    }
}
