package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offsets past 2 GiB: a sparse file whose second tensor starts beyond 2^31 bytes. */
class GgufLargeFileTest {
    @TempDir
    Path tmp;

    @Test
    void readsTensorsBeyondTwoGigabytes() throws IOException {
        long bigElements = (1L << 29) + 8; // 2 GiB + 32 bytes of F32
        long tailOffset = ((bigElements * 4 + 31) / 32) * 32;
        byte[] head = new RawGguf().header(3, 2, 1).kvString("general.architecture", "big")
                .tensor("big", 0, 0, bigElements).tensor("tail", 0, tailOffset, 8).padTo(32).bytes();
        Path p = tmp.resolve("big.gguf");
        long size = head.length + tailOffset + 32;
        assumeTrue(Files.getFileStore(tmp).getUsableSpace() > (1L << 20), "needs a little disk (the file is sparse)");
        float[] tail = {1, 2, 3, 4, 5, 6, 7, 8};
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size); // sparse: no 2 GiB actually written
            f.seek(0);
            f.write(head);
            ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : tail) b.putFloat(x);
            f.seek(head.length + tailOffset);
            f.write(b.array());
        }
        try (GgufFile g = GgufFile.open(p)) {
            TensorInfo t = g.find("tail").orElseThrow();
            assertTrue(t.offset() > Integer.MAX_VALUE);
            assertEquals(size - 32, t.offset());
            assertArrayEquals(tail, F32Codec.INSTANCE.decode(g.data(t), 8));
            MemorySegment big = g.data("big");
            assertEquals(bigElements * 4, big.byteSize());
            float[] row = new float[8];
            F32Codec.INSTANCE.decodeRange(big, bigElements - 8, row, 0, 8);
            assertArrayEquals(new float[8], row);
        }
    }
}
