package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file past 2 GiB (sparse, so it costs no disk) must map and slice with long offsets. */
class SafetensorsLargeFileTest {
    @TempDir
    Path tmp;

    @Test
    void tensorsBeyondTwoGiB() throws Exception {
        long big = 3L << 30; // 3 GiB of U8
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[3,1073741824],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = tmp.resolve("large.safetensors");
        long dataStart = 8 + h.length;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(dataStart + big + 8);
            f.seek(dataStart + big - 1);
            f.write(0x5A);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            TensorInfo t = f.find("big").orElseThrow();
            assertEquals(big, t.byteSize());
            MemorySegment s = f.data(t);
            assertEquals(big, s.byteSize());
            assertEquals(0x5A, s.get(ValueLayout.JAVA_BYTE, big - 1));
            MemorySegment tail = f.data(f.find("tail").orElseThrow());
            assertEquals(dataStart + big, f.find("tail").orElseThrow().offset());
            assertEquals(-2f, tail.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4));
        }
    }
}
