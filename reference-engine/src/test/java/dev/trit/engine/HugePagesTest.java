package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class HugePagesTest {
    @Test
    void wholeAlignedZeroedWritablePages() {
        for (long bytes : new long[] {1, 416 * 1024, HugePages.SIZE, HugePages.SIZE + 1}) {
            MemorySegment s = HugePages.allocate(bytes);
            assertTrue(s.byteSize() >= bytes, "size " + s.byteSize() + " for " + bytes);
            assertEquals(0, s.address() % 64, "cache-line aligned");
            if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) { // madvise there
                assertEquals(0, s.byteSize() % HugePages.SIZE, "whole huge pages");
                assertEquals(0, s.address() % HugePages.SIZE, "2 MB aligned");
            }
            for (long o = 0; o < s.byteSize(); o += 4096) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, o), "zeroed at " + o);
            s.set(ValueLayout.JAVA_LONG, s.byteSize() - 8, -1L);
            assertEquals(-1L, s.get(ValueLayout.JAVA_LONG, s.byteSize() - 8));
        }
    }
}
