package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsFileTest {
    /**
     * Expected values per fixture, obtained once with an independent Python script that reads the
     * raw header with the json module (struct.unpack('<Q') for the length, json.loads for the header,
     * tensors sorted by data_offsets) and hashes tensor bytes with hashlib.sha256 (first 16 hex
     * digits). Not produced by this code.
     */
    record Expect(String model, long headerLen, int count, long totalBytes, int bf16, int f16, int u8,
                  String first, String firstDtype, long[] firstShape, String last, String lastDtype, long[] lastShape,
                  List<Tensor> probes) {
    }

    record Tensor(String name, String dtype, long[] shape, long begin, long end, String sha256prefix) {
    }

    static Stream<Expect> fixtures() {
        long[] emb = {4096, 256}, norm = {256};
        return Stream.of(
                new Expect("demo-bitnet-bf16", 4952, 46, 8401408, 46, 0, 0,
                        "model.embed_tokens.weight", "BF16", emb, "model.norm.weight", "BF16", norm, List.of(
                        new Tensor("model.embed_tokens.weight", "BF16", emb, 0, 2097152, "39a80eeee43ea9e7"),
                        new Tensor("model.layers.2.self_attn.k_proj.weight", "BF16", new long[] {128, 256}, 6431744, 6497280, "f22deddad07b9956"),
                        new Tensor("model.norm.weight", "BF16", norm, 8400896, 8401408, "ca23e7b33ab98167"))),
                new Expect("demo-bitnet-packed", 7888, 74, 2896440, 46, 0, 28,
                        "model.embed_tokens.weight", "BF16", emb, "model.layers.3.self_attn.v_proj.weight", "U8", new long[] {32, 256}, List.of(
                        new Tensor("model.embed_tokens.weight", "BF16", emb, 0, 2097152, "39a80eeee43ea9e7"),
                        new Tensor("model.layers.2.self_attn.k_proj.weight", "U8", new long[] {32, 256}, 2650680, 2658872, "0561f0be76b63c9f"),
                        new Tensor("model.norm.weight", "BF16", norm, 2109496, 2110008, "ca23e7b33ab98167"))),
                new Expect("demo-llama-f16", 4048, 38, 8393216, 0, 38, 0,
                        "model.embed_tokens.weight", "F16", emb, "model.norm.weight", "F16", norm, List.of(
                        new Tensor("model.embed_tokens.weight", "F16", emb, 0, 2097152, "d136c2dc159dbc67"),
                        new Tensor("model.layers.2.self_attn.k_proj.weight", "F16", new long[] {128, 256}, 6425600, 6491136, "770b3ece3d50783b"),
                        new Tensor("model.norm.weight", "F16", norm, 8392704, 8393216, "c683a86ec728a4b5"))),
                new Expect("demo1-bitnet-packed", 7888, 74, 2896440, 46, 0, 28,
                        "model.embed_tokens.weight", "BF16", emb, "model.layers.3.self_attn.v_proj.weight", "U8", new long[] {32, 256}, List.of(
                        new Tensor("model.embed_tokens.weight", "BF16", emb, 0, 2097152, "f444aa8bc07602a9"),
                        new Tensor("model.layers.2.self_attn.k_proj.weight", "U8", new long[] {32, 256}, 2650680, 2658872, "e7d52a1f686883f5"),
                        new Tensor("model.norm.weight", "BF16", norm, 2109496, 2110008, "b3894425b77dd43a"))),
                new Expect("mini-bitnet-fp16", 4912, 46, 8925696, 0, 46, 0,
                        "model.embed_tokens.weight", "F16", emb, "model.norm.weight", "F16", norm, List.of(
                        new Tensor("model.embed_tokens.weight", "F16", emb, 0, 2097152, "f451ccc004c14220"),
                        new Tensor("model.layers.2.self_attn.k_proj.weight", "F16", new long[] {256, 256}, 6693888, 6824960, "1ab23e6efe4204ef"),
                        new Tensor("model.norm.weight", "F16", norm, 8925184, 8925696, "d866d469f37117ce"))),
                new Expect("mini-llama-f16", 4048, 38, 8917504, 0, 38, 0,
                        "model.embed_tokens.weight", "F16", emb, "model.norm.weight", "F16", norm, List.of(
                        new Tensor("model.embed_tokens.weight", "F16", emb, 0, 2097152, "f8d158e184bfcc4f"),
                        new Tensor("model.layers.2.self_attn.k_proj.weight", "F16", new long[] {256, 256}, 6687744, 6818816, "b90413f5c539b13c"),
                        new Tensor("model.norm.weight", "F16", norm, 8916992, 8917504, "83ba2571b8f8f7d4"))));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void readsFixtureLikePython(Expect e) throws Exception {
        Path p = Fixtures.hf(e.model).resolve("model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(8 + e.headerLen, f.dataStart());
            assertEquals(e.count, f.tensors().size());
            assertEquals(e.totalBytes, f.totalTensorBytes());
            assertEquals(Files.size(p), f.dataStart() + f.totalTensorBytes());
            assertEquals(Map.of("format", "pt"), f.stringMetadata());
            assertEquals(e.bf16, f.tensors().stream().filter(t -> t.type() == DType.BF16).count());
            assertEquals(e.f16, f.tensors().stream().filter(t -> t.type() == DType.F16).count());
            assertEquals(e.u8, f.tensors().stream().filter(t -> t.type() == DType.U8).count());

            TensorInfo first = f.tensors().getFirst(), last = f.tensors().getLast();
            assertEquals(e.first, first.name());
            assertEquals(e.firstDtype, first.type().label());
            assertArrayEquals(e.firstShape, first.shape());
            assertEquals(e.last, last.name());
            assertEquals(e.lastDtype, last.type().label());
            assertArrayEquals(e.lastShape, last.shape());

            for (Tensor x : e.probes) {
                TensorInfo t = f.find(x.name).orElseThrow();
                assertEquals(x.dtype, t.type().label(), x.name);
                assertArrayEquals(x.shape, t.shape(), x.name);
                assertEquals(f.dataStart() + x.begin, t.offset(), x.name);
                assertEquals(x.end - x.begin, t.byteSize(), x.name);
                MemorySegment seg = f.data(t);
                assertEquals(t.byteSize(), seg.byteSize());
                assertTrue(seg.isReadOnly());
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(seg.toArray(ValueLayout.JAVA_BYTE));
                assertEquals(x.sha256prefix, HexFormat.of().formatHex(digest).substring(0, 16), x.name);
            }
            // file order: offsets strictly increasing and contiguous
            long at = f.dataStart();
            for (TensorInfo t : f.tensors()) {
                assertEquals(at, t.offset(), t.name());
                at += t.byteSize();
            }
        }
    }

    @Test
    void dataOfForeignTensorIsRefused() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.hf("demo-llama-f16").resolve("model.safetensors"))) {
            TensorInfo t = f.tensors().get(3);
            TensorInfo fake = new TensorInfo(t.name(), t.type(), t.shape(), t.offset() + 2, t.byteSize());
            assertThrows(IllegalArgumentException.class, () -> f.data(fake));
            assertTrue(f.find("no.such.tensor").isEmpty());
        }
    }

    @Test
    void closeUnmapsAndIsIdempotent() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(Fixtures.hf("demo-llama-f16").resolve("model.safetensors"));
        MemorySegment seg = f.data(f.tensors().getFirst());
        seg.get(ValueLayout.JAVA_BYTE, 0);
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void missingFileIsAFormatException() {
        Path p = Fixtures.root().resolve("no-such.safetensors");
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    @Test
    void dtypeParse() {
        assertEquals(DType.BF16, DType.parse("BF16").orElseThrow());
        assertEquals(DType.F8_E4M3, DType.parse("F8_E4M3").orElseThrow());
        assertTrue(DType.parse("bf16").isEmpty());
        assertTrue(DType.parse("Q4_0").isEmpty());
        assertEquals(2, DType.BF16.elementBytes());
        assertEquals(8, DType.U64.bytesFor(1));
    }
}
