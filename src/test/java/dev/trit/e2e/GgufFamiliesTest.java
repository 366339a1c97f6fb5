package dev.trit.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.converters.Converter;
import dev.trit.converters.Progress;
import dev.trit.converters.TargetType;
import dev.trit.engine.GgufModel;
import dev.trit.engine.HfModel;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.PerplexityProtocol;
import dev.trit.engine.PerplexityResult;
import dev.trit.engine.PerplexityRun;
import dev.trit.engine.Transformer;
import dev.trit.engine.VectorKernels;
import dev.trit.formats.GgufFile;
import dev.trit.formats.NpzReader;
import dev.trit.formats.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The replicas of the LLaMA-like families (../shared/fixtures/replicas) through GGUF and back, each
 * converted once: HF directory → {@code trit convert --type T} → GGUF (llama.cpp's arch, tensor names
 * and keys) → {@code --type bf16|packed} → HF directory. The engine's perplexity over the oracle's
 * WikiText-2 ids (first 10 windows of 256) must be the HF directory's, from the GGUF and from the
 * directory made from it. Ten windows because a conversion is exact or not on any window (every
 * weight of every layer is used by every token); the HF directory's agreement with transformers over
 * 40 windows is ReplicaOracleTest's (three models x 40 windows per replica here cost ~8 CI minutes).
 *
 * Bound: 1e-6 relative for every replica (measured: 0 for the bf16 and ternary files, 1.5e-7
 * qwen3 f16, 4.4e-8 llama32 f16).
 * - bf16 weights written bf16, norms F32: the same numbers, so the engine computes the same sums (0).
 *   Gemma's norms go to GGUF as 1 + w in float32, the multiplier transformers and the engine form, and
 *   come back as (1 + w) - 1, exact in float32 for these w.
 * - bf16 weights written f16: exact where the value is a normal f16; weights below 2^-14 in magnitude
 *   become subnormal and lose low bits (the GGUF, and the directory made from it, hold those values).
 * - packed trits written TQ2_0: trits exact; the block scale d is fp16(1/weight_scale) (bitlinear), which
 *   alone would move every projection by up to 2^-11 relative (3.6e-4 in perplexity on llama3-bitlinear,
 *   measured before the engine recovered the scale); since weight_scale is bf16 (8 significant bits)
 *   and d has 11, bf16(1/d) is exactly the checkpoint's weight_scale, which the engine uses
 *   (GgufModel), and the way back to packed writes it (0).
 */
class GgufFamiliesTest {
    private static final int WINDOWS = 10, CTX = 256;
    private static Parallel parallel;

    @TempDir
    Path tmp;

    @BeforeAll
    static void pool() {
        parallel = new Parallel(2);
    }

    @AfterAll
    static void close() {
        parallel.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            // replica, GGUF type, back type, arch, tensors the file must hold
            "qwen25-bf16, bf16, bf16, qwen2, blk.0.attn_q.bias blk.0.attn_v.bias",
            "qwen3-bf16, f16, bf16, qwen3, blk.0.attn_q_norm.weight blk.1.attn_k_norm.weight",
            "gemma3-bf16, bf16, bf16, gemma3, blk.0.post_attention_norm.weight blk.5.post_ffw_norm.weight blk.2.attn_k_norm.weight",
            "llama32-bf16, f16, bf16, llama, rope_freqs.weight blk.1.attn_k.weight",
            "llama3-bitlinear, tq2_0, packed, llama, blk.0.attn_q.weight",
            "falcon-e, tq2_0, packed, llama, blk.0.attn_k.weight",
            "llama-bitlinear-rmsnorm, tq2_0, packed, llama, blk.0.attn_q.rms_norm.weight blk.1.ffn_down.rms_norm.weight",
            "bitnet-2b4t, tq2_0, packed, bitnet-b1.58, blk.0.attn_sub_norm.weight",
    })
    void throughGgufAndBack(String name, String type, String backType, String arch, String tensors) throws IOException {
        double bound = 1e-6;
        String only = System.getenv("TRIT_DEBUG_REPLICA");
        org.junit.jupiter.api.Assumptions.assumeTrue(only == null || only.equals(name), "TRIT_DEBUG_REPLICA picks another replica");
        int[] ids = NpzReader.ints(SharedFixtures.npz("oracle/replicas/" + name + ".npz").get("wt2/ids"));
        Path hf = SharedFixtures.replica(name);
        Path gguf = tmp.resolve(name + "." + type + ".gguf"), back = tmp.resolve(name + "-back");
        Converter.convert(hf, gguf, new Converter.Options(TargetType.parse(type, true).orElseThrow()), Progress.NONE);
        try (GgufFile g = GgufFile.open(gguf)) {
            assertEquals(arch, g.architecture());
            for (String t : tensors.split(" ")) assertTrue(g.find(t).isPresent(), name + ": no tensor " + t);
            assertTrue(g.integer(arch + ".attention.key_length").isPresent(), name + ": key_length");
            if (arch.equals("gemma3")) assertEquals(64L, g.integer("gemma3.attention.sliding_window").orElseThrow());
        }
        Converter.convert(gguf, back, new Converter.Options(TargetType.parse(backType, false).orElseThrow()), Progress.NONE);

        PerplexityResult want, fromGguf, fromBack;
        try (Transformer m = HfModel.load(hf, new VectorKernels(parallel))) {
            want = ppl(m, ids);
        }
        try (LoadedModel m = GgufModel.load(gguf, new VectorKernels(parallel))) {
            fromGguf = ppl(m.transformer(), ids);
        }
        try (Transformer m = HfModel.load(back, new VectorKernels(parallel))) {
            fromBack = ppl(m, ids);
        }
        double relGguf = Math.abs(fromGguf.perplexity() / want.perplexity() - 1), relBack = Math.abs(fromBack.perplexity() / want.perplexity() - 1);
        System.out.printf(Locale.ROOT, "%s: HF %.6f, %s GGUF %.6f (rel %.2e), back to %s %.6f (rel %.2e)%n", name, want.perplexity(), type,
                fromGguf.perplexity(), relGguf, backType, fromBack.perplexity(), relBack);
        assertTrue(relGguf <= bound, name + ": GGUF perplexity " + fromGguf.perplexity() + " vs HF " + want.perplexity());
        assertTrue(relBack <= bound, name + ": back-to-HF perplexity " + fromBack.perplexity() + " vs HF " + want.perplexity());
    }

    /** The command line: TQ1_0 of a BitLinear LLaMA, and inspect of the new archs (no perplexity: the conversions are tested above). */
    @org.junit.jupiter.api.Test
    void commandLine() throws IOException {
        Path tq1 = tmp.resolve("rms.tq1_0.gguf"), gemma = tmp.resolve("gemma.bf16.gguf");
        Cli r = Cli.run("convert", "-q", SharedFixtures.replica("llama-bitlinear-rmsnorm").toString(), tq1.toString(), "--type", "tq1_0");
        assertEquals(0, r.exitCode(), r::toString);
        try (GgufFile g = GgufFile.open(tq1)) {
            assertEquals("TQ1_0", g.find("blk.0.attn_q.weight").orElseThrow().type().label());
            assertEquals("F32", g.find("blk.0.attn_q.rms_norm.weight").orElseThrow().type().label());
        }
        r = Cli.run("convert", "-q", SharedFixtures.replica("gemma3-bf16").toString(), gemma.toString(), "--type", "bf16");
        assertEquals(0, r.exitCode(), r::toString);
        r = Cli.run("inspect", gemma.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("gemma3"), r.out());
    }

    private static PerplexityResult ppl(Transformer m, int[] ids) {
        return new PerplexityRun(m, CTX, PerplexityProtocol.HF_WINDOWS).run(ids, WINDOWS, null);
    }

}
