package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-broken safetensors files: each must fail with a one-line FormatException naming the cause. */
class SafetensorsBadInputTest {
    @TempDir
    Path tmp;

    private int counter;

    private Path raw(byte[] content) throws IOException {
        Path p = tmp.resolve("bad" + (counter++) + ".safetensors");
        Files.write(p, content);
        return p;
    }

    /** A file with header length {@code n}, then {@code header}, then {@code data} zero bytes. */
    private Path file(long n, byte[] header, int data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(header);
        return raw(b.array());
    }

    private Path file(String header, int data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    private static final String T = "\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}";

    private void fails(Path p, String... expected) {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p + ": "), m);
        assertFalse(m.contains("\n"), m);
        for (String x : expected) assertTrue(m.contains(x), "'" + m + "' should mention '" + x + "'");
    }

    @Test
    void controlIsValid() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file("{" + T + "}", 16))) {
            assertEquals(1, f.tensors().size());
        }
    }

    @Test
    void tooShort() throws Exception {
        fails(raw(new byte[0]), "0 bytes", "too short");
        fails(raw(new byte[] {8, 0, 0}), "3 bytes", "too short");
    }

    @Test
    void headerLengthAbsurd() throws Exception {
        fails(file(200_000_000L, "{}".getBytes(), 0), "200000000", "exceeds the limit");
        fails(file(-1L, "{}".getBytes(), 0), "18446744073709551615", "exceeds the limit");
    }

    @Test
    void headerLengthPastEndOfFile() throws Exception {
        fails(file(4096, ("{" + T + "}").getBytes(), 16), "header length 4096", "past the end");
    }

    @Test
    void truncatedRealFile() throws Exception {
        byte[] real = Files.readAllBytes(Fixtures.hf("demo-bitnet-packed").resolve("model.safetensors"));
        fails(raw(Arrays.copyOf(real, real.length - 1)), "model.layers.3.self_attn.v_proj.weight", "past the end of the data");
        fails(raw(Arrays.copyOf(real, 100)), "header length 7888", "past the end");
        fails(raw(Arrays.copyOf(real, 8 + 7888)), "past the end of the data (0 bytes)");
    }

    @Test
    void headerNotJson() throws Exception {
        fails(file("hello world", 0), "header is not valid JSON");
        fails(file("{\"t\":", 0), "header is not valid JSON");
        fails(file("{} trailing", 0), "header is not valid JSON");
        fails(file("", 0), "header is empty");
        fails(file(2, new byte[] {(byte) 0xC3, (byte) 0x28}, 0), "not valid UTF-8");
        fails(file("[" .repeat(5000) + "]".repeat(5000), 0), "header is not valid JSON");
    }

    @Test
    void headerNotObject() throws Exception {
        fails(file("[1,2]", 0), "header is a JSON array, not an object");
        fails(file("\"x\"", 0), "header is a JSON string");
        fails(file("{\"t\":[1]}", 0), "tensor \"t\"", "not an object");
    }

    @Test
    void unknownOrBadDtype() throws Exception {
        fails(file("{\"t\":{\"dtype\":\"Q4_0\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2), "unknown dtype \"Q4_0\"");
        fails(file("{\"t\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype \"f32\"");
        fails(file("{\"t\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype is not a string");
        fails(file("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "no dtype");
    }

    @Test
    void badShapes() throws Exception {
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2,2],\"data_offsets\":[0,16]}}", 16), "shape holds -2");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10), "shape holds 2.5, not an integer");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],\"data_offsets\":[0,16]}}", 16),
                "overflows");
        fails(file("{\"t\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,16]}}", 16), "overflows");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,16]}}", 16),
                "not a non-negative 64-bit integer");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":\"2x2\",\"data_offsets\":[0,16]}}", 16), "shape is a JSON string");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", 16), "no shape");
    }

    @Test
    void badOffsets() throws Exception {
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16,32]}}", 16), "has 3 entries");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,0]}}", 16), "end 0 is before begin 16");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 8), "run past the end of the data (8 bytes)");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12), "hold 12 bytes", "needs 16");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[-16,0]}}", 16), "data_offsets holds -16");
        fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2]}}", 16), "no data_offsets");
    }

    @Test
    void overlapsGapsAndTrailingBytes() throws Exception {
        fails(file("{" + T + ",\"u\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[8,16]}}", 16),
                "overlaps", "\"t\"", "\"u\"");
        fails(file("{\"u\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[8,16]}}", 16), "8 unused bytes before tensor \"u\"");
        fails(file("{" + T + "}", 20), "4 bytes after the last tensor");
        fails(file("{}", 3), "3 bytes after the last tensor");
    }

    @Test
    void duplicates() throws Exception {
        fails(file("{" + T + "," + T + "}", 16), "header has the key 't' twice");
        fails(file("{\"__metadata__\":{},\"__metadata__\":{}," + T + "}", 16), "key '__metadata__' twice");
        fails(file("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}," + T + "}", 16), "key 'a' twice");
    }

    @Test
    void badMetadata() throws Exception {
        fails(file("{\"__metadata__\":{\"format\":1}," + T + "}", 16), "__metadata__ value of \"format\" is a JSON number");
        fails(file("{\"__metadata__\":[\"x\"]," + T + "}", 16), "__metadata__ is a JSON array");
        try (SafetensorsFile f = SafetensorsFile.open(file("{\"__metadata__\":null," + T + "}", 16))) {
            assertTrue(f.stringMetadata().isEmpty());
        }
    }

    @Test
    void hugeNameIsQuotedShort() throws Exception {
        String name = "n".repeat(100_000);
        Path p = file("{\"" + name + "\":{\"dtype\":\"XX\",\"shape\":[],\"data_offsets\":[0,0]}}", 0);
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().length() < 400, "message length " + e.getMessage().length());
    }
}
