package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GgufWriter against files llama.cpp's converter wrote: reading and writing back is byte-identical. */
class GgufWriterTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"gguf/mini-bitnet-tq1_0.gguf", "gguf/mini-bitnet-tq2_0.gguf", "gguf/mini-llama-q8_0.gguf",
            "vocab/ggml-vocab-falcon.gguf", "vocab/ggml-vocab-gpt-2.gguf", "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf"})
    void rewritesBundledFilesByteForByte(String rel) throws IOException {
        roundTrip(Fixtures.bundled(rel));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gguf/mini-bitnet-f16.gguf", "gguf/mini-llama-f16.gguf"})
    void rewritesF16FilesByteForByte(String rel) throws IOException {
        Path p = Fixtures.shared(rel);
        dev.trit.formats.testing.SharedFixtures.present(p);
        roundTrip(p);
    }

    private void roundTrip(Path in) throws IOException {
        Path out = tmp.resolve(in.getFileName());
        try (GgufFile f = GgufFile.open(in)) {
            GgufWriter.copyOf(f).write(out);
        }
        assertEquals(-1L, Files.mismatch(in, out), "first differing byte");
        try (var dir = Files.list(tmp)) {
            assertEquals(List.of(out), dir.toList(), "no temp file left behind");
        }
    }

    @Test
    void stringArraysReadBackAsWritten() throws IOException {
        // read back as UTF-8 bytes back to back (GgufArray.ofUtf8): empty strings, multi-byte characters, order
        List<String> s = List.of("", "a", "ü", "\u2581the", "", "日本語", "<|end|>");
        Path out = tmp.resolve("strings.gguf");
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("test"));
        w.put("s", GgufValue.array(GgufArray.ofStrings(s)));
        w.put("none", GgufValue.array(GgufArray.ofStrings(List.of())));
        w.write(out);
        try (GgufFile f = GgufFile.open(out)) {
            List<String> got = f.stringArray("s");
            assertEquals(s, got);
            assertEquals(s.hashCode(), got.hashCode());
            assertEquals(s.get(5), got.get(5));
            assertThrows(IndexOutOfBoundsException.class, () -> got.get(s.size()));
            assertThrows(UnsupportedOperationException.class, () -> got.set(0, "x"));
            assertEquals(List.of(), f.stringArray("none"));
            assertEquals(GgufValue.array(GgufArray.ofStrings(s)), f.value("s").orElseThrow(), "equal to the written value");
        }
        assertThrows(IllegalArgumentException.class, () -> GgufArray.ofUtf8(new byte[3], new int[] {2, 1}));
        assertThrows(IllegalArgumentException.class, () -> GgufArray.ofUtf8(new byte[3], new int[] {4}));
    }

    @Test
    void streamsTensorsFromCallbacksAndChecksTheirSize() throws IOException {
        Path out = tmp.resolve("cb.gguf");
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("test"));
        w.put("general.alignment", GgufValue.uint32(64));
        w.put("nested", GgufValue.array(new GgufArray(GgufValueType.ARRAY,
                List.of(GgufArray.ofInts(new int[] {1, 2}), GgufArray.ofStrings(List.of("a", "ü"))))));
        w.put("u64", GgufValue.uint64(-1L));
        w.put("i8", GgufValue.int8(-5));
        w.put("f64", GgufValue.float64(Math.PI));
        float[] v = {1, 2, 3, 4, 5, 6};
        w.addTensor("a", GgmlType.F32, new long[] {2, 3}, os -> os.write(F32Codec.INSTANCE.encode(v)));
        w.addTensor("b", GgmlType.F16, new long[] {6}, MemorySegment.ofArray(F16Codec.INSTANCE.encode(v)));
        w.write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataStart() % 64);
            assertArrayEquals(new long[] {2, 3}, f.find("a").orElseThrow().shape());
            assertArrayEquals(new long[] {3, 2}, f.ne("a"));
            assertEquals(64, f.ggufTensor("b").orElseThrow().relativeOffset());
            assertArrayEquals(v, F32Codec.INSTANCE.decode(f.data(f.find("a").orElseThrow()), 6));
            assertArrayEquals(v, F16Codec.INSTANCE.decode(f.data(f.find("b").orElseThrow()), 6));
            assertEquals("18446744073709551615", f.stringMetadata().get("u64"));
            assertEquals(-5, f.integer("i8").orElseThrow());
            assertEquals(Math.PI, f.real("f64").orElseThrow());
            GgufArray nested = f.value("nested").orElseThrow().asArray();
            assertEquals(List.of("a", "ü"), nested.arrays().get(1).strings());
            assertEquals(2, nested.arrays().get(0).integer(1));
        }

        Path bad = tmp.resolve("bad.gguf");
        GgufWriter short_ = new GgufWriter();
        short_.addTensor("a", GgmlType.F32, new long[] {4}, os -> os.write(new byte[12]));
        assertThrows(FormatException.class, () -> short_.write(bad));
        assertFalse(Files.exists(bad));
        try (var dir = Files.list(tmp)) {
            assertEquals(1, dir.count(), "the failed write left no temp file");
        }
    }

    @Test
    void refusesWhatLlamaCppCannotLoad() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), GgmlType.F32, new long[] {1}, MemorySegment.ofArray(new byte[4])));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", GgmlType.Q8_0, new long[] {2, 16}, os -> { }));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("f", GgmlType.F32, new long[] {2}, MemorySegment.ofArray(new byte[4])));
        w.addTensor("ok", GgmlType.F32, new long[] {1}, MemorySegment.ofArray(new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("ok", GgmlType.F32, new long[] {1}, MemorySegment.ofArray(new byte[4])));
    }
}
