package dev.trit.formats;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A GGUF metadata array. Elements are kept in their storage type so a 128k-entry score table costs
 * one float[] and a read-write round trip is exact:
 * UINT8/INT8 {@code byte[]}, UINT16/INT16 {@code short[]}, UINT32/INT32 {@code int[]},
 * UINT64/INT64 {@code long[]}, FLOAT32 {@code float[]}, FLOAT64 {@code double[]}, BOOL
 * {@code boolean[]}, STRING {@code List<String>} (read from a file: their UTF-8 bytes in one array, see
 * {@link #ofUtf8}), ARRAY (nested) {@code List<GgufArray>}.
 * The arrays are shared, not copied: treat them as read-only.
 */
public final class GgufArray {
    private final GgufValueType elementType;
    private final Object values;
    private final int size;

    public GgufArray(GgufValueType elementType, Object values) {
        this.elementType = Objects.requireNonNull(elementType);
        this.values = Objects.requireNonNull(values);
        this.size = switch (elementType) {
            case UINT8, INT8 -> ((byte[]) values).length;
            case UINT16, INT16 -> ((short[]) values).length;
            case UINT32, INT32 -> ((int[]) values).length;
            case UINT64, INT64 -> ((long[]) values).length;
            case FLOAT32 -> ((float[]) values).length;
            case FLOAT64 -> ((double[]) values).length;
            case BOOL -> ((boolean[]) values).length;
            case STRING, ARRAY -> checkList((List<?>) values, elementType);
        };
    }

    private static int checkList(List<?> list, GgufValueType t) {
        if (list instanceof PackedStrings p && t == GgufValueType.STRING) return p.size();
        Class<?> want = t == GgufValueType.STRING ? String.class : GgufArray.class;
        for (Object o : list) {
            if (!want.isInstance(o)) throw new IllegalArgumentException("a GGUF " + t + " array cannot hold " + o);
        }
        return list.size();
    }

    /**
     * A string array held as its strings' UTF-8 bytes back to back ({@code ends[i]}: the end of string i in
     * data), each string decoded when read: a tokenizer's 128k tokens and 280k merges take ~6 MB instead of
     * ~25 MB as String objects, for as long as the file is open (a model's peak RSS).
     */
    public static GgufArray ofUtf8(byte[] data, int[] ends) {
        return new GgufArray(GgufValueType.STRING, new PackedStrings(data, ends));
    }

    private static final class PackedStrings extends AbstractList<String> implements RandomAccess {
        private final byte[] data;
        private final int[] ends;

        PackedStrings(byte[] data, int[] ends) {
            for (int i = 0, prev = 0; i < ends.length; prev = ends[i++]) {
                if (ends[i] < prev || ends[i] > data.length) throw new IllegalArgumentException("string " + i + " ends at " + ends[i]);
            }
            this.data = data;
            this.ends = ends;
        }

        @Override
        public String get(int i) {
            Objects.checkIndex(i, ends.length);
            int start = i == 0 ? 0 : ends[i - 1];
            return new String(data, start, ends[i] - start, StandardCharsets.UTF_8);
        }

        @Override
        public int size() {
            return ends.length;
        }
    }

    public static GgufArray ofStrings(List<String> strings) {
        return new GgufArray(GgufValueType.STRING, List.copyOf(strings));
    }

    public static GgufArray ofFloats(float[] v) {
        return new GgufArray(GgufValueType.FLOAT32, v.clone());
    }

    public static GgufArray ofInts(int[] v) {
        return new GgufArray(GgufValueType.INT32, v.clone());
    }

    public GgufValueType elementType() {
        return elementType;
    }

    public int size() {
        return size;
    }

    /** The backing storage (see the class comment for its Java type per element type). */
    public Object values() {
        return values;
    }

    /** Element i as an integer (unsigned types zero-extended); IllegalStateException for non-integers. */
    public long integer(int i) {
        return switch (elementType) {
            case UINT8 -> ((byte[]) values)[i] & 0xFFL;
            case INT8 -> ((byte[]) values)[i];
            case UINT16 -> ((short[]) values)[i] & 0xFFFFL;
            case INT16 -> ((short[]) values)[i];
            case UINT32 -> ((int[]) values)[i] & 0xFFFF_FFFFL;
            case INT32 -> ((int[]) values)[i];
            case UINT64, INT64 -> ((long[]) values)[i];
            default -> throw new IllegalStateException("GGUF array of " + elementType + " is not an integer array");
        };
    }

    /** Element i as a number; IllegalStateException for strings, bools and nested arrays. */
    public double real(int i) {
        return switch (elementType) {
            case FLOAT32 -> ((float[]) values)[i];
            case FLOAT64 -> ((double[]) values)[i];
            case UINT64 -> Double.parseDouble(Long.toUnsignedString(((long[]) values)[i]));
            default -> integer(i);
        };
    }

    @SuppressWarnings("unchecked")
    public List<String> strings() {
        if (elementType != GgufValueType.STRING) throw new IllegalStateException("GGUF array of " + elementType + " is not a string array");
        return (List<String>) values;
    }

    @SuppressWarnings("unchecked")
    public List<GgufArray> arrays() {
        if (elementType != GgufValueType.ARRAY) throw new IllegalStateException("GGUF array of " + elementType + " is not an array of arrays");
        return (List<GgufArray>) values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray a && a.elementType == elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {a.values});
    }

    @Override
    public int hashCode() {
        return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        return "[" + elementType + " x " + size + "]";
    }
}
