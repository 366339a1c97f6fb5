package dev.trit.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** trit analyze against transformers' own statistics of the demo model (fixtures/oracle/demo-ternary-stats.json). */
class ModelAnalyzerTest {
    static final Path FIXTURES = Path.of(System.getProperty("trit.root"), "fixtures");
    static final Path SHARED = Path.of(System.getProperty("trit.root")).resolve("../shared/fixtures").normalize();

    static JsonNode oracle() throws Exception {
        return new ObjectMapper().readTree(FIXTURES.resolve("oracle/demo-ternary-stats.json").toFile());
    }

    private static final Map<Path, ModelAnalysis> CACHE = new HashMap<>();

    /** Analyses without the (slow) compression; one test below measures that. */
    static synchronized ModelAnalysis cached(Path p) throws Exception {
        ModelAnalysis a = CACHE.get(p);
        if (a == null) CACHE.put(p, a = ModelAnalyzer.analyze(p, false));
        return a;
    }

    static Map<String, TensorAnalysis> byName(ModelAnalysis a) {
        Map<String, TensorAnalysis> m = new HashMap<>();
        for (TensorAnalysis t : a.tensors()) m.put(t.name(), t);
        return m;
    }

    @Test
    void packedCheckpointMatchesTransformersStats() throws Exception {
        ModelAnalysis a = cached(FIXTURES.resolve("hf/demo-bitnet-packed"));
        JsonNode o = oracle();
        Map<String, TensorAnalysis> got = byName(a);
        assertEquals(o.size(), got.size(), "every ternary matrix of the oracle, and no other");
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode e = o.get(name);
            TensorAnalysis t = got.get(name);
            assertNotNull(t, name);
            // The stored trits are the ones transformers counted: shares agree to the float32
            // rounding of the oracle's fractions.
            assertEquals(e.get("neg").asDouble(), t.stats().shareNeg(), 1e-6, name);
            assertEquals(e.get("zero").asDouble(), t.stats().shareZero(), 1e-6, name);
            assertEquals(e.get("pos").asDouble(), t.stats().sharePos(), 1e-6, name);
            // weight_scale = 1/mean|W| is stored in bf16 (8 significant bits): relative error <= 2^-8.
            assertEquals(e.get("mean_abs").asDouble(), t.scale(), e.get("mean_abs").asDouble() / 256, name);
            assertTrue(Double.isNaN(t.meanAbsLatent()), "no latent weights in a packed checkpoint");
            assertEquals(t.out() / 4 * t.in() + 2, t.storedBytes(), name);
        }
        assertEquals("hf-packed", a.variant());
        assertTrue(a.shape().ternary());
    }

    @Test
    void latentCheckpointTernarizesLikeTransformers() throws Exception {
        ModelAnalysis a = cached(FIXTURES.resolve("hf/demo-bitnet-bf16"));
        JsonNode o = oracle();
        Map<String, TensorAnalysis> got = byName(a);
        assertEquals(o.size(), got.size());
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode e = o.get(name);
            TensorAnalysis t = got.get(name);
            // The oracle was computed on the fp32 master weights; this checkpoint holds them rounded to
            // bf16 (relative error up to 2^-9), which moves the few weights lying that close to a
            // rounding threshold ±0.5/s across it: up to ~0.16% of a matrix on this model.
            assertEquals(e.get("neg").asDouble(), t.stats().shareNeg(), 2e-3, name);
            assertEquals(e.get("zero").asDouble(), t.stats().shareZero(), 2e-3, name);
            assertEquals(e.get("pos").asDouble(), t.stats().sharePos(), 2e-3, name);
            // The bf16 rounding errors are unbiased, so mean|W| moves far less than 2^-9: 1e-4 relative.
            assertEquals(e.get("mean_abs").asDouble(), t.meanAbsLatent(), e.get("mean_abs").asDouble() * 1e-4, name);
            assertEquals(t.meanAbsLatent(), t.scale(), 0.0);
            assertTrue(t.cosine() > 0.5 && t.cosine() < 1, name + " cosine " + t.cosine());
            assertTrue(t.mse() > 0, name);
        }
        assertEquals("hf-bf16", a.variant());
    }

    @Test
    void packedAndLatentAgreeOnAlmostEveryTrit() throws Exception {
        // Independent of the oracle's precision: the same model in two layouts.
        Map<String, TensorAnalysis> p = byName(cached(FIXTURES.resolve("hf/demo-bitnet-packed")));
        Map<String, TensorAnalysis> l = byName(cached(FIXTURES.resolve("hf/demo-bitnet-bf16")));
        for (String n : p.keySet()) {
            assertEquals(p.get(n).stats().shareZero(), l.get(n).stats().shareZero(), 2e-3, n);
        }
    }

    @Test
    void oneBitModelHasNoZeros() throws Exception {
        // demo1 is the original 1-bit BitNet: weights are ±1 only (fixtures README).
        ModelAnalysis a = cached(FIXTURES.resolve("hf/demo1-bitnet-packed"));
        for (TensorAnalysis t : a.tensors()) {
            assertEquals(0, t.stats().zero(), t.name());
            assertTrue(t.stats().entropyBits() <= 1.0 + 1e-12);
        }
    }

    @Test
    void ggufTernaryTypesDecode() throws Exception {
        for (String f : new String[]{"mini-bitnet-tq1_0.gguf", "mini-bitnet-tq2_0.gguf"}) {
            ModelAnalysis a = cached(FIXTURES.resolve("gguf/" + f));
            assertEquals(4 * 7, a.tensors().size(), f);
            assertTrue(a.shape().ternary(), f);
            assertEquals(4, a.shape().layers());
            for (TensorAnalysis t : a.tensors()) {
                assertTrue(t.stats().shareZero() > 0.1 && t.stats().shareZero() < 0.9, t.name());
                assertTrue(t.scale() > 0, t.name());
            }
        }
    }

    @Test
    void ggufTq1AndTq2HoldTheSameTrits() throws Exception {
        // Both were quantized by llama.cpp from the same F16 model; the trits must be identical.
        Map<String, TensorAnalysis> a = byName(cached(FIXTURES.resolve("gguf/mini-bitnet-tq1_0.gguf")));
        Map<String, TensorAnalysis> b = byName(cached(FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf")));
        for (String n : a.keySet()) assertEquals(a.get(n).stats(), b.get(n).stats(), n);
    }

    @Test
    void ggufF16OfABitNetIsTernaryValued() throws Exception {
        // llama.cpp's BitnetModel writes round(W·s)/s, so its F16 BitLinear weights are {-m, 0, +m}:
        // recognized as ternary with one scale per tensor, holding the trits of its TQ2_0 sibling.
        Path f16 = SHARED.resolve("gguf/mini-bitnet-f16.gguf");
        dev.trit.formats.testing.SharedFixtures.present(f16);
        ModelAnalysis a = ModelAnalyzer.analyze(f16, false);
        Map<String, TensorAnalysis> tq2 = byName(cached(FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf")));
        for (TensorAnalysis t : a.tensors()) {
            assertNotNull(t.ternaryScales(), t.name());
            assertEquals(dev.trit.formats.TernaryScales.Axis.TENSOR, t.ternaryScales().axis(), t.name());
            assertTrue(Double.isNaN(t.meanAbsLatent()), t.name());
            assertEquals(tq2.get(t.name()).stats(), t.stats(), t.name());
        }
    }

    @Test
    void storageLayoutsHaveTheirDocumentedSizes() throws Exception {
        ModelAnalysis a = cached(FIXTURES.resolve("hf/demo-bitnet-packed"));
        TensorAnalysis q = byName(a).get("model.layers.0.self_attn.q_proj.weight");
        assertEquals(256, q.out());
        assertEquals(256, q.in());
        // ggml-common.h: block_tq1_0 is 54 bytes per 256 weights, block_tq2_0 66, block_q8_0 34 per 32.
        assertEquals(256L * 54, q.layoutBytes().get(StorageLayout.TQ1_0));
        assertEquals(256L * 66, q.layoutBytes().get(StorageLayout.TQ2_0));
        assertEquals(256L * 8 * 34, q.layoutBytes().get(StorageLayout.Q8_0));
        assertEquals(256L * 256 * 2, q.layoutBytes().get(StorageLayout.F16));
        assertEquals(256L * 256 / 4 + 32, q.layoutBytes().get(StorageLayout.I2_S));
        assertEquals(256L * 256 / 4 + 2, q.layoutBytes().get(StorageLayout.HF_PACKED));
    }

    @Test
    void rowsAreWritten(@TempDir Path dir) throws Exception {
        ModelAnalysis a = ModelAnalyzer.analyze(FIXTURES.resolve("hf/demo-bitnet-packed"), true);
        for (TensorAnalysis t : a.tensors()) {
            // Measured, so it must respect Shannon's bound (up to the coder's few bytes of framing) and
            // the TQ2_0-like 2-bit packing is the trivial upper reference.
            for (var c : t.codedBytes().entrySet()) {
                double bpw = 8.0 * c.getValue() / t.weights();
                assertTrue(bpw > t.stats().entropyBits() - 0.01, t.name() + " " + c.getKey() + " " + bpw);
            }
        }
        ResultTable t = new ResultTable(a.toRows());
        ResultFiles.writeArrow(t, dir.resolve("a.arrow"));
        assertEquals(t, ResultFiles.read(dir.resolve("a.arrow")));
        var sz = t.where(r -> r.scope().isEmpty() && r.metric().equals(Metrics.SIZE_BYTES));
        assertEquals(1, sz.size());
        // Tensor bytes = file size minus the 8-byte length and the JSON header.
        assertEquals(Files.size(FIXTURES.resolve("hf/demo-bitnet-packed/model.safetensors")) - headerBytes(), sz.getFirst().value());
        assertFalse(t.where(r -> r.metric().equals(Metrics.CODED_BITS_PER_WEIGHT) && r.scope().equals("linear")).isEmpty());
    }

    private static long headerBytes() throws Exception {
        byte[] b = Files.readAllBytes(FIXTURES.resolve("hf/demo-bitnet-packed/model.safetensors"));
        return 8 + java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void badInputIsOneLineFormatException(@TempDir Path dir) throws Exception {
        FormatException e = assertThrows(FormatException.class, () -> ModelAnalyzer.analyze(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"));
        Path txt = Files.writeString(dir.resolve("x.txt"), "hi");
        assertThrows(FormatException.class, () -> ModelAnalyzer.analyze(txt));
        Path gguf = Files.write(dir.resolve("x.gguf"), new byte[]{'G', 'G', 'U', 'F', 3, 0});
        assertThrows(FormatException.class, () -> ModelAnalyzer.analyze(gguf));
    }
}
