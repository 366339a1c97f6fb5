package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceInBothModes() {
        try (Parallel p = new Parallel(3)) {
            for (int n : new int[]{0, 1, 2, 5, 64, 1000, 4097}) {
                for (int round = 0; round < 200; round++) { // many hand-offs: spinning and parked workers
                    AtomicIntegerArray a = new AtomicIntegerArray(n), b = new AtomicIntegerArray(n);
                    p.forRange(n, 1, (from, to) -> {
                        for (int i = from; i < to; i++) a.incrementAndGet(i);
                    });
                    p.forPieces(n, 7, (from, to) -> {
                        for (int i = from; i < to; i++) b.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, a.get(i), "forRange index " + i);
                        assertEquals(1, b.get(i), "forPieces index " + i);
                    }
                }
            }
        }
    }

    @Test
    void failuresReachTheCallerAndThePoolStaysUsable() throws Exception {
        try (Parallel p = new Parallel(2)) {
            assertThrows(IllegalStateException.class, () -> p.forPieces(100, 1, (from, to) -> {
                if (from <= 3 && 3 < to) throw new IllegalStateException("piece with 3");
            }));
            Thread.sleep(30); // let the worker park, then wake it with the next job
            AtomicIntegerArray a = new AtomicIntegerArray(10);
            p.forRange(10, 1, (from, to) -> {
                // a nested call runs inline on the calling thread
                p.forRange(to - from, 1, (f, t) -> {
                    for (int i = f; i < t; i++) a.incrementAndGet(from + i);
                });
            });
            for (int i = 0; i < 10; i++) assertEquals(1, a.get(i));
        }
    }
}
