package dev.trit.engine.tokenizer;

import java.util.Arrays;

/** A binary min-heap of longs: merge candidates packed as (priority << 32 | position). */
final class LongHeap {
    private long[] a = new long[16];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        size = 0;
    }

    void push(long v) {
        if (size == a.length) {
            a = Arrays.copyOf(a, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (a[parent] <= v) {
                break;
            }
            a[i] = a[parent];
            i = parent;
        }
        a[i] = v;
    }

    long pop() {
        long top = a[0];
        long last = a[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && a[child + 1] < a[child]) {
                child++;
            }
            if (a[child] >= last) {
                break;
            }
            a[i] = a[child];
            i = child;
        }
        a[i] = last;
        return top;
    }
}
