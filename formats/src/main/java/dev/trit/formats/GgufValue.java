package dev.trit.formats;

import java.util.Objects;

/**
 * One GGUF metadata value with its exact type, so a file read and written back is identical.
 *
 * @param type  the GGUF value type
 * @param value by type: {@code String} (STRING), {@code Boolean} (BOOL), {@code Long} (every integer
 *              type: unsigned types hold their unsigned value, UINT64 its raw 64 bits), {@code Double}
 *              (FLOAT32 widened exactly, FLOAT64), {@link GgufArray} (ARRAY)
 */
public record GgufValue(GgufValueType type, Object value) {
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        boolean ok = switch (type) {
            case STRING -> value instanceof String;
            case BOOL -> value instanceof Boolean;
            case FLOAT32, FLOAT64 -> value instanceof Double;
            case ARRAY -> value instanceof GgufArray;
            default -> value instanceof Long;
        };
        if (!ok) throw new IllegalArgumentException("a GGUF " + type + " cannot hold a " + value.getClass().getSimpleName());
    }

    public static GgufValue string(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue bool(boolean b) {
        return new GgufValue(GgufValueType.BOOL, b);
    }

    public static GgufValue uint8(int v) {
        return new GgufValue(GgufValueType.UINT8, (long) (v & 0xFF));
    }

    public static GgufValue int8(int v) {
        return new GgufValue(GgufValueType.INT8, (long) (byte) v);
    }

    public static GgufValue uint16(int v) {
        return new GgufValue(GgufValueType.UINT16, (long) (v & 0xFFFF));
    }

    public static GgufValue int16(int v) {
        return new GgufValue(GgufValueType.INT16, (long) (short) v);
    }

    public static GgufValue uint32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) throw new IllegalArgumentException(v + " does not fit a uint32");
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(GgufValueType.INT32, (long) v);
    }

    /** A uint64 given as its raw 64 bits. */
    public static GgufValue uint64(long bits) {
        return new GgufValue(GgufValueType.UINT64, bits);
    }

    public static GgufValue int64(long v) {
        return new GgufValue(GgufValueType.INT64, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, (double) v);
    }

    public static GgufValue float64(double v) {
        return new GgufValue(GgufValueType.FLOAT64, v);
    }

    public static GgufValue array(GgufArray a) {
        return new GgufValue(GgufValueType.ARRAY, a);
    }

    /** The string; IllegalStateException if this is not a STRING. */
    public String asString() {
        if (value instanceof String s) return s;
        throw new IllegalStateException("GGUF value is " + type + ", not STRING");
    }

    /** The integer value; IllegalStateException if this is not an integer type. */
    public long asLong() {
        if (type.isInteger()) return (Long) value;
        throw new IllegalStateException("GGUF value is " + type + ", not an integer");
    }

    /** The number (integers converted); IllegalStateException for strings, bools and arrays. */
    public double asDouble() {
        if (value instanceof Double d) return d;
        if (type == GgufValueType.UINT64) return Long.toUnsignedString((Long) value).transform(Double::parseDouble);
        if (type.isInteger()) return (Long) value;
        throw new IllegalStateException("GGUF value is " + type + ", not a number");
    }

    public boolean asBoolean() {
        if (value instanceof Boolean b) return b;
        throw new IllegalStateException("GGUF value is " + type + ", not BOOL");
    }

    public GgufArray asArray() {
        if (value instanceof GgufArray a) return a;
        throw new IllegalStateException("GGUF value is " + type + ", not ARRAY");
    }

    /** The value as text: numbers in decimal (uint64 unsigned), arrays summarised as "[TYPE x n]". */
    public String display() {
        return switch (type) {
            case UINT64 -> Long.toUnsignedString((Long) value);
            case FLOAT32 -> Float.toString((float) (double) (Double) value);
            case ARRAY -> "[" + ((GgufArray) value).elementType() + " x " + ((GgufArray) value).size() + "]";
            default -> String.valueOf(value);
        };
    }

    @Override
    public String toString() {
        return type + ":" + display();
    }
}
