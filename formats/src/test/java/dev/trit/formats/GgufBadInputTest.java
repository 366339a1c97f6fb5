package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-broken GGUF files: each fails with a one-line FormatException naming the file and the cause. */
class GgufBadInputTest {
    @TempDir
    Path tmp;

    private int n;

    private Path file(byte[] bytes) throws IOException {
        Path p = tmp.resolve("bad" + (n++) + ".gguf");
        Files.write(p, bytes);
        return p;
    }

    /** Opens the bytes as a file and expects a FormatException whose message contains {@code cause}. */
    private void fails(byte[] bytes, String cause) throws IOException {
        Path p = file(bytes);
        FormatException e = assertThrows(FormatException.class, () -> GgufFile.open(p).close());
        String msg = e.getMessage();
        assertTrue(msg.startsWith(p.toString() + ": "), msg);
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains(cause), "expected '" + cause + "' in: " + msg);
        assertEquals(p, e.file());
    }

    private static RawGguf oneTensor(long type, long offset, long... ne) {
        return new RawGguf().header(3, 1, 1).kvString("general.architecture", "test").tensor("t", type, offset, ne);
    }

    private static byte[] withData(RawGguf g, int dataBytes) {
        return g.padTo(32).zeros(dataBytes).bytes();
    }

    @Test
    void theBaseFileIsValid() throws IOException {
        try (GgufFile f = GgufFile.open(file(withData(oneTensor(0, 0, 4), 32)))) {
            assertEquals(1, f.tensors().size());
            assertEquals("test", f.architecture());
        }
    }

    @Test
    void version2IsRead() throws IOException {
        byte[] v2 = withData(oneTensor(0, 0, 4), 32);
        v2[4] = 2; // v2 and v3 have the same little-endian layout
        try (GgufFile f = GgufFile.open(file(v2))) {
            assertEquals(2, f.version());
            assertEquals(1, f.tensors().size());
        }
    }

    @Test
    void headerProblems() throws IOException {
        fails(new byte[10], "too small");
        fails(new byte[0], "too small");
        byte[] good = withData(oneTensor(0, 0, 4), 32);
        byte[] magic = good.clone();
        magic[0] = 'X';
        fails(magic, "not a GGUF file");
        fails(new RawGguf().header(1, 0, 0).zeros(8).bytes(), "version 1 is not supported");
        fails(new RawGguf().header(4, 0, 0).zeros(8).bytes(), "unsupported GGUF version 4");
        fails(new RawGguf().header(0x03000000L, 0, 0).zeros(8).bytes(), "big-endian");
        fails(new RawGguf().header(3, 0, 1L << 40).zeros(8).bytes(), "kv count");
        fails(new RawGguf().header(3, -1, 0).zeros(8).bytes(), "tensor count");
        fails(new RawGguf().header(3, 1L << 40, 0).zeros(8).bytes(), "tensor count");
        fails(Arrays.copyOf(good, 40), "tensor count 1 is impossible in a 40-byte file");
        fails(Arrays.copyOf(good, 90), "truncated");
    }

    @Test
    void metadataProblems() throws IOException {
        fails(new RawGguf().header(3, 0, 1).u64(1L << 40).zeros(16).bytes(), "truncated");
        fails(new RawGguf().header(3, 0, 1).u64(-2).zeros(16).bytes(), "needs 18446744073709551614 bytes");
        fails(new RawGguf().header(3, 0, 1).str("k").u32(8).u64(1000).zeros(16).bytes(), "truncated");
        fails(new RawGguf().header(3, 0, 1).str("k").u32(13).zeros(16).bytes(), "unknown value type 13");
        fails(new RawGguf().header(3, 0, 1).str("k").u32(9).u32(5).u64(1L << 40).zeros(16).bytes(), "claims");
        fails(new RawGguf().header(3, 0, 1).str("k").u32(9).u32(8).u64(Long.MAX_VALUE).zeros(16).bytes(), "claims");
        fails(new RawGguf().header(3, 0, 1).str("k").u32(9).u32(99).u64(1).zeros(16).bytes(), "unknown value type 99");
        fails(new RawGguf().header(3, 0, 1).str("k").u32(7).u8(2).zeros(16).bytes(), "bool of value 2");
        fails(new RawGguf().header(3, 0, 1).str("").u32(4).u32(1).zeros(16).bytes(), "empty key");
        fails(new RawGguf().header(3, 0, 2).kvU32("k", 1).kvU32("k", 2).zeros(16).bytes(), "duplicate key 'k'");
        // names from the file are escaped so the message stays one line
        fails(new RawGguf().header(3, 0, 2).kvU32("a\nb", 1).kvU32("a\nb", 2).zeros(16).bytes(), "duplicate key 'a\\u000ab'");
        RawGguf deep = new RawGguf().header(3, 0, 1).str("deep").u32(9);
        for (int i = 0; i < 9; i++) deep.u32(9).u64(1);
        deep.u32(4).u64(1).u32(7);
        fails(deep.zeros(16).bytes(), "deeper than");
        fails(new RawGguf().header(3, 0, 1).str("general.alignment").u32(5).u32(32).zeros(16).bytes(), "must be a uint32");
        fails(new RawGguf().header(3, 0, 1).kvU32("general.alignment", 24).zeros(16).bytes(), "not a power of two");
        fails(new RawGguf().header(3, 0, 1).kvU32("general.alignment", 0).zeros(16).bytes(), "not a power of two");
    }

    @Test
    void tooManyStringsForTheHeap() {
        // more strings than the heap guard allows, each an empty string (8 zero bytes in the file)
        long many = GgufReader.MAX_METADATA_OBJECTS + 1;
        byte[] head = new RawGguf().header(3, 0, 1).str("k").u32(9).u32(8).u64(many).bytes();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment seg = arena.allocate(head.length + 8 * many);
            seg.copyFrom(java.lang.foreign.MemorySegment.ofArray(head));
            FormatException e = assertThrows(FormatException.class, () -> GgufReader.parse(Path.of("many.gguf"), seg));
            assertTrue(e.getMessage().contains("more than 16777216"), e.getMessage());
        }
    }

    @Test
    void nestedArraysWithinTheCapAreFine() throws IOException {
        RawGguf ok = new RawGguf().header(3, 0, 1).str("deep").u32(9);
        for (int i = 0; i < 6; i++) ok.u32(9).u64(1);
        ok.u32(4).u64(1).u32(7);
        try (GgufFile f = GgufFile.open(file(ok.bytes()))) {
            GgufArray a = f.value("deep").orElseThrow().asArray();
            for (int i = 0; i < 6; i++) a = a.arrays().get(0);
            assertEquals(7, a.integer(0));
        }
    }

    @Test
    void tensorInfoProblems() throws IOException {
        fails(withData(oneTensor(0, 0, 1, 1, 1, 1, 1), 32), "5 dimensions");
        fails(withData(oneTensor(0, 0, 4, 0), 32), "ne[1] = 0");
        fails(withData(oneTensor(0, 0, -4), 32), "ne[0] = 18446744073709551612");
        fails(withData(oneTensor(0, 0, 1L << 32, 1L << 32, 1L << 32), 32), "too many elements");
        fails(withData(oneTensor(0, 0, 1L << 31, 1L << 31), 32), "too large"); // bytes overflow
        fails(withData(oneTensor(99, 0, 4), 32), "unknown ggml type 99");
        fails(withData(oneTensor(4, 0, 32), 32), "unknown ggml type 4");
        fails(withData(oneTensor(8, 0, 16), 64), "not a multiple of the Q8_0 block size 32");
        fails(withData(oneTensor(34, 0, 128, 2), 128), "not a multiple of the TQ1_0 block size 256");
        fails(withData(oneTensor(0, 4, 4), 64), "not a multiple of the alignment 32");
        fails(withData(oneTensor(0, 32, 4), 32), "runs past the end");
        fails(withData(oneTensor(0, 0, 64), 32), "runs past the end");
        fails(withData(oneTensor(0, 1L << 62, 4), 32), "runs past the end");
        fails(withData(oneTensor(0, -32, 4), 32), "not a multiple of the alignment");
        RawGguf dup = new RawGguf().header(3, 2, 0).tensor("t", 0, 0, 4).tensor("t", 0, 32, 4);
        fails(withData(dup, 64), "duplicate tensor name 't'");
        RawGguf overlap = new RawGguf().header(3, 2, 0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 4);
        fails(withData(overlap, 96), "overlap");
        fails(Arrays.copyOf(oneTensor(0, 0, 4).bytes(), oneTensor(0, 0, 4).size() - 3), "truncated");
        byte[] trunc = new RawGguf().header(3, 1, 0).str("abcdefgh").u32(1).u64(4).bytes();
        fails(Arrays.copyOf(trunc, trunc.length + 2), "truncated: type of tensor 'abcdefgh'");
    }

    @Test
    void inMemoryParsingFailsTheSameWay() {
        byte[] bad = new RawGguf().header(3, 0, 1).str("k").u32(13).zeros(16).bytes();
        FormatException e = assertThrows(FormatException.class,
                () -> GgufReader.parse(Path.of("mem.gguf"), java.lang.foreign.MemorySegment.ofArray(bad)));
        assertTrue(e.getMessage().startsWith("mem.gguf: "));
    }

    @Test
    void missingFile() {
        assertThrows(FormatException.class, () -> GgufFile.open(tmp.resolve("absent.gguf")));
        assertThrows(FormatException.class, () -> GgufFile.open(tmp));
    }
}
