package dev.trit.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Scratch memory on transparent huge pages where Linux offers them (madvise MADV_HUGEPAGE, then
 * MADV_COLLAPSE for the pages the allocation's zeroing already touched). For the prefill lookup tables: each
 * lookup reads a line at a data-dependent place in ~400 KB, about 100 pages of 4 KB, more than the first-level
 * TLB holds, so most lookups also missed the TLB. Only speed depends on it: where madvise is missing or
 * refuses, the memory is ordinary pages and the results are the same.
 */
final class HugePages {
    private HugePages() {
    }

    static final long SIZE = 2L << 20;
    private static final int MADV_HUGEPAGE = 14, MADV_COLLAPSE = 25;
    private static final MethodHandle MADVISE = madvise();

    private static MethodHandle madvise() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) { // no native access granted, or no such symbol: ordinary pages
            return null;
        }
    }

    /**
     * At least bytes of zeroed memory, freed with its last reference: 2 MB aligned and whole huge pages where
     * madvise can be called, else just bytes, 64-byte aligned (no point in zeroing, so touching, 2 MB then).
     */
    static MemorySegment allocate(long bytes) {
        if (MADVISE == null) return Arena.ofAuto().allocate(bytes, 64);
        long size = (bytes + SIZE - 1) & -SIZE;
        MemorySegment s = Arena.ofAuto().allocate(size, SIZE);
        try {
            if ((int) MADVISE.invokeExact(s, size, MADV_HUGEPAGE) == 0) {
                int ignored = (int) MADVISE.invokeExact(s, size, MADV_COLLAPSE); // best effort (kernels before 6.1 refuse it)
            }
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            // speed only: keep the ordinary pages
        }
        return s;
    }
}
