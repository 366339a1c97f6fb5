package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    /** Expected bytes are the safetensors crate's own test vectors (tensor.rs, test_serialization / test_empty). */
    @Test
    void matchesSafetensorsCrateTestVectors() throws Exception {
        Path p = tmp.resolve("a.safetensors");
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) data.putFloat(i);
        new SafetensorsWriter(p).add("attn.0", DType.F32, new long[] {1, 2, 3}, MemorySegment.ofArray(data.array())).write();
        assertArrayEquals(bytes(
                64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64), Files.readAllBytes(p));

        Path e = tmp.resolve("empty.safetensors");
        new SafetensorsWriter(e).write();
        assertArrayEquals(bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32), Files.readAllBytes(e));

        Path m = tmp.resolve("meta.safetensors");
        new SafetensorsWriter(m).metadata("framework", "pt").write();
        assertArrayEquals(bytes(
                40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32), Files.readAllBytes(m));
        try (SafetensorsFile f = SafetensorsFile.open(m)) {
            assertEquals(Map.of("framework", "pt"), f.stringMetadata());
            assertTrue(f.tensors().isEmpty());
        }
    }

    /**
     * The fixtures were written by Python's safetensors; copying every tensor through the writer in
     * arbitrary order must reproduce them byte for byte (same layout order, header and padding).
     */
    @ParameterizedTest
    @ValueSource(strings = {"demo-bitnet-packed", "demo-llama-f16", "mini-bitnet-fp16"})
    void rewritingAFixtureReproducesItExactly(String model) throws Exception {
        Path src = Fixtures.hf(model).resolve("model.safetensors");
        Path out = tmp.resolve(model + ".safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            SafetensorsWriter w = new SafetensorsWriter(out).metadata(f.stringMetadata());
            List<TensorInfo> shuffled = new java.util.ArrayList<>(f.tensors());
            java.util.Collections.shuffle(shuffled, new Random(7));
            for (TensorInfo t : shuffled) w.add(t.name(), (DType) t.type(), t.shape(), f.data(t));
            w.write();
        }
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out));
    }

    @Test
    void streamingRoundTripOfEveryDtype() throws Exception {
        Path p = tmp.resolve("all.safetensors");
        Random r = new Random(42);
        SafetensorsWriter w = new SafetensorsWriter(p).metadata("format", "pt").metadata("note", "ünïcode ✓");
        java.util.Map<String, byte[]> expected = new java.util.HashMap<>();
        int i = 0;
        for (DType d : DType.values()) {
            long[] shape = i % 3 == 0 ? new long[] {3, 5} : i % 3 == 1 ? new long[] {7} : new long[] {};
            long n = 1;
            for (long x : shape) n *= x;
            byte[] data = new byte[(int) (n * d.elementBytes())];
            r.nextBytes(data);
            String name = "t" + (100 - i) + "." + d.label().toLowerCase();
            expected.put(name, data);
            // streamed in 3-byte pieces through the callback
            w.add(name, d, shape, sink -> {
                for (int off = 0; off < data.length; off += 3) sink.write(data, off, Math.min(3, data.length - off));
            });
            i++;
        }
        w.add("zero.sized", DType.F32, new long[] {0, 4}, MemorySegment.ofArray(new byte[0]));
        expected.put("zero.sized", new byte[0]);
        w.write();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(expected.size(), f.tensors().size());
            assertEquals(Map.of("format", "pt", "note", "ünïcode ✓"), f.stringMetadata());
            assertEquals(0, (f.dataStart()) % 8, "header padded to a multiple of 8");
            for (TensorInfo t : f.tensors()) {
                assertArrayEquals(expected.get(t.name()), f.data(t).toArray(ValueLayout.JAVA_BYTE), t.name());
            }
            // larger dtypes first: element sizes never increase along the file
            int prev = Integer.MAX_VALUE;
            for (TensorInfo t : f.tensors()) {
                int b = ((DType) t.type()).elementBytes();
                assertTrue(b <= prev, t.name());
                prev = b;
            }
        }
    }

    @Test
    void largeSegmentGoesThroughUnbuffered() throws Exception {
        Path p = tmp.resolve("big.safetensors");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(3L << 20);
            for (long j = 0; j < seg.byteSize(); j += 4) seg.set(ValueLayout.JAVA_INT_UNALIGNED, j, (int) (j * 2654435761L));
            new SafetensorsWriter(p).add("small", DType.U8, new long[] {5}, MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5}))
                    .add("big", DType.I32, new long[] {768, 1024}, seg).write();
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(-1, f.data(f.find("big").orElseThrow()).mismatch(seg));
                assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, f.data(f.find("small").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void wrongByteCountFailsAndLeavesNothingBehind() throws Exception {
        Path p = tmp.resolve("keep.safetensors");
        Files.writeString(p, "old content");
        SafetensorsWriter w = new SafetensorsWriter(p).add("x", DType.F32, new long[] {4}, sink -> sink.write(new byte[15]));
        FormatException e = assertThrows(FormatException.class, w::write);
        assertTrue(e.getMessage().contains("15 bytes") && e.getMessage().contains("needs 16"), e.getMessage());
        assertEquals("old content", Files.readString(p));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(p), s.toList(), "temp file removed");
        }
    }

    @Test
    void failingSourceLeavesNoTempFile() throws Exception {
        Path p = tmp.resolve("new.safetensors");
        SafetensorsWriter w = new SafetensorsWriter(p).add("x", DType.U8, new long[] {4}, sink -> {
            throw new IOException("disk on fire");
        });
        assertThrows(IOException.class, w::write);
        assertFalse(Files.exists(p));
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void addRejectsBadInput() {
        SafetensorsWriter w = new SafetensorsWriter(tmp.resolve("x.safetensors"));
        w.add("a", DType.U8, new long[] {1}, MemorySegment.ofArray(new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> w.add("a", DType.U8, new long[] {1}, MemorySegment.ofArray(new byte[1])));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", DType.U8, new long[] {1}, MemorySegment.ofArray(new byte[1])));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.U8, new long[] {-1}, s -> { }));
        assertThrows(IllegalArgumentException.class, () -> w.add("c", DType.F16, new long[] {2}, MemorySegment.ofArray(new byte[3])));
        assertThrows(ArithmeticException.class, () -> w.add("d", DType.F64, new long[] {1L << 40, 1L << 30}, s -> { }));
    }
}
