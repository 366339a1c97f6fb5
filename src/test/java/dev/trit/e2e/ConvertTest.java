package dev.trit.e2e;

import dev.trit.formats.DType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.SafetensorsFile;
import dev.trit.formats.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code trit convert} from the command line; outputs compared with llama.cpp's and transformers' files. */
class ConvertTest {
    @TempDir
    Path tmp;

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void bitnetToTq2MatchesLlamaCppsFile() throws IOException {
        Path out = tmp.resolve("mini.tq2_0.gguf");
        Cli r = Cli.run("convert", Cli.FIXTURES.resolve("hf/mini-bitnet-fp16").toString(), out.toString(), "--type", "tq2_0");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("F16 -> TQ2_0"), r.out());
        assertTrue(r.out().contains("MB/s of input"), r.out());
        assertTrue(r.err().contains("100%"), "progress bar: " + r.err());
        try (GgufFile want = GgufFile.open(Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf")); GgufFile got = GgufFile.open(out)) {
            assertEquals(want.tensors().size(), got.tensors().size());
            for (TensorInfo w : want.tensors()) {
                TensorInfo g = got.find(w.name()).orElseThrow();
                assertArrayEquals(want.data(w).toArray(ValueLayout.JAVA_BYTE), got.data(g).toArray(ValueLayout.JAVA_BYTE), w.name());
            }
            assertEquals(want.metadata().get("tokenizer.ggml.tokens"), got.metadata().get("tokenizer.ggml.tokens"));
        }
    }

    @Test
    void latentToPackedAndBackThroughI2s() throws IOException {
        Path packed = tmp.resolve("packed"), i2s = tmp.resolve("demo.i2_s.gguf"), back = tmp.resolve("back");
        assertEquals(0, Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString(), i2s.toString(), "-t", "i2_s").exitCode());
        Cli r = Cli.run("convert", "-q", i2s.toString(), back.toString(), "-t", "packed");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("", r.err());
        try (SafetensorsFile want = SafetensorsFile.open(Cli.FIXTURES.resolve("hf/demo-bitnet-packed/model.safetensors"));
             SafetensorsFile got = SafetensorsFile.open(back.resolve("model.safetensors"))) {
            for (TensorInfo w : want.tensors()) {
                TensorInfo g = got.find(w.name()).orElseThrow();
                assertArrayEquals(want.data(w).toArray(ValueLayout.JAVA_BYTE), got.data(g).toArray(ValueLayout.JAVA_BYTE), w.name());
            }
        }
        assertTrue(files(back).containsAll(List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")));
        assertFalse(Files.exists(packed));
    }

    /** Sharded output (save_pretrained layout with an index) and sharded input, round trip exact. */
    @Test
    void shardedCheckpoints() throws IOException {
        Path sharded = tmp.resolve("sharded"), again = tmp.resolve("again.gguf"), single = tmp.resolve("single");
        Cli r = Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/demo-llama-f16").toString(), sharded.toString(), "-t", "f16", "--max-shard-size", "3MB");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(files(sharded).containsAll(List.of("model-00001-of-00003.safetensors", "model-00003-of-00003.safetensors",
                "model.safetensors.index.json")), files(sharded).toString());
        assertEquals(0, Cli.run("convert", "-q", sharded.toString(), again.toString(), "-t", "f16").exitCode());
        assertEquals(0, Cli.run("convert", "-q", again.toString(), single.toString(), "-t", "f16").exitCode());
        try (SafetensorsFile want = SafetensorsFile.open(Cli.FIXTURES.resolve("hf/demo-llama-f16/model.safetensors"));
             SafetensorsFile got = SafetensorsFile.open(single.resolve("model.safetensors"))) {
            for (TensorInfo w : want.tensors()) {
                TensorInfo g = got.find(w.name()).orElseThrow();
                assertArrayEquals(want.data(w).toArray(ValueLayout.JAVA_BYTE), got.data(g).toArray(ValueLayout.JAVA_BYTE), w.name());
            }
        }
        assertEquals(2, Cli.run("convert", "-q", sharded.toString(), tmp.resolve("x").toString(), "-t", "f16", "--max-shard-size", "lots").exitCode());
    }

    @Test
    void refusesToOverwriteWithoutForce() throws IOException {
        Path out = tmp.resolve("x.gguf");
        Files.writeString(out, "keep me");
        Cli r = Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString(), "-t", "q8_0");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--force"), r.err());
        assertEquals("keep me", Files.readString(out));
        Cli f = Cli.run("convert", "-q", "--force", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString(), "-t", "q8_0");
        assertEquals(0, f.exitCode(), f::toString);
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("llama", g.architecture());
        }
    }

    @Test
    void fullPrecisionModelNeedsTernarize() throws IOException {
        Path out = tmp.resolve("llama.tq1_0.gguf");
        Cli r = Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString(), "-t", "tq1_0");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("trit: ") && r.err().contains("--ternarize") && r.err().strip().lines().count() == 1, r.err());
        assertFalse(Files.exists(out));
        Cli t = Cli.run("convert", "-q", "--ternarize", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString(), "-t", "tq1_0");
        assertEquals(0, t.exitCode(), t::toString);
        assertTrue(t.out().contains("F16 -> TQ1_0"), t.out());
    }

    @Test
    void usageErrors() {
        Path out = tmp.resolve("y.gguf");
        assertEquals(2, Cli.run("convert", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString(), "-t", "packed").exitCode());
        assertEquals(2, Cli.run("convert", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), tmp.resolve("dir").toString(), "-t", "tq2_0").exitCode());
        assertEquals(2, Cli.run("convert", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), out.toString()).exitCode());
        Cli missing = Cli.run("convert", tmp.resolve("nope").toString(), out.toString(), "-t", "f16");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("nope"), missing.err());
    }

    /** A conversion that fails half-way (a corrupt packed byte near the end) leaves nothing behind. */
    @Test
    void failedConversionLeavesNoOutput() throws IOException {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Path from = Cli.FIXTURES.resolve("hf/demo-bitnet-packed");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(from.resolve(f), src.resolve(f));
        }
        long at;
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            TensorInfo last = f.tensors().stream().filter(t -> t.type() == DType.U8 && t.name().startsWith("model.layers.3."))
                    .reduce((a, b) -> b).orElseThrow();
            at = last.offset() + last.byteSize() - 1;
        }
        try (FileChannel ch = FileChannel.open(src.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xFF}), at); // code 3 is no ternary value
        }
        Path outDir = tmp.resolve("out");
        Files.createDirectories(outDir);
        for (String[] c : List.of(new String[] {"x.gguf", "tq2_0"}, new String[] {"x-packed", "packed"})) {
            Cli r = Cli.run("convert", "-q", src.toString(), outDir.resolve(c[0]).toString(), "-t", c[1]);
            assertEquals(1, r.exitCode(), r::toString);
            assertTrue(r.err().contains("code 3"), r.err());
            assertEquals(List.of(), files(outDir), "no partial output");
        }
    }

    /**
     * Perplexity through the reference engine is unchanged by a lossless conversion: packed -> I2_S
     * (float32 scale = 1/weight_scale) -> packed. 1e-6 relative (the engine is deterministic run to run;
     * the float32 scale of I2_S is 1/weight_scale rounded once). (TQ1_0/TQ2_0 store the scale as fp16, which is not lossless for a bf16 weight_scale.)
     */
    @Test
    void perplexityUnchangedByLosslessConversion() throws Exception {
        Path text = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");
        Path i2s = tmp.resolve("demo.i2_s.gguf"), back = tmp.resolve("back");
        assertEquals(0, Cli.run("convert", "-q", Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString(), i2s.toString(), "-t", "i2_s").exitCode());
        assertEquals(0, Cli.run("convert", "-q", i2s.toString(), back.toString(), "-t", "packed").exitCode());
        double ref = ppl(Cli.FIXTURES.resolve("hf/demo-bitnet-packed"), text);
        for (Path m : List.of(i2s, back)) {
            double p = ppl(m, text);
            assertEquals(ref, p, ref * 1e-6, m.toString());
        }
    }

    private static double ppl(Path model, Path text) throws IOException {
        Cli r = Cli.run("ppl", "--json", "--max-windows", "2", model.toString(), text.toString());
        assertEquals(0, r.exitCode(), r::toString);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("perplexity").asDouble();
    }

    @Test
    void benchConvertPrintsThroughput() {
        Cli r = Cli.run("bench-convert", Cli.FIXTURES.resolve("hf/mini-bitnet-fp16").toString(), "--types", "gguf:tq2_0,hf:packed",
                "--repeat", "1", "--dir", tmp.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("gguf:tq2_0") && r.out().contains("hf:packed") && r.out().contains("MB/s"), r.out());
    }

    /** --arch-from-config: a llama.cpp GGUF (no config.json inside) back to HF with the original config. */
    @Test
    void archFromConfigRestoresTheOriginalConfig() throws IOException {
        String gguf = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString();
        Path plain = tmp.resolve("plain"), withCfg = tmp.resolve("with-config");
        assertEquals(0, Cli.run("convert", "-q", gguf, plain.toString(), "-t", "bf16").exitCode());
        Cli r = Cli.run("convert", "-q", gguf, withCfg.toString(), "-t", "bf16", "--arch-from-config",
                Cli.FIXTURES.resolve("hf/mini-bitnet-fp16/config.json").toString());
        assertEquals(0, r.exitCode(), r::toString);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var original = mapper.readTree(Cli.FIXTURES.resolve("hf/mini-bitnet-fp16/config.json").toFile());
        var restored = mapper.readTree(withCfg.resolve("config.json").toFile());
        var generated = mapper.readTree(plain.resolve("config.json").toFile());
        // pretraining_tp is a field of the original config that nothing in the GGUF carries
        assertFalse(generated.has("pretraining_tp"), generated::toString);
        assertEquals(original.get("pretraining_tp"), restored.get("pretraining_tp"));
        assertEquals(original.get("architectures"), restored.get("architectures"));
        Cli mismatch = Cli.run("convert", "-q", gguf, tmp.resolve("bad").toString(), "-t", "bf16", "--arch-from-config",
                Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString());
        assertEquals(1, mismatch.exitCode(), mismatch::toString);
        assertTrue(mismatch.err().contains("num_key_value_heads"), mismatch::toString);
        assertFalse(Files.exists(tmp.resolve("bad")));
    }
}
