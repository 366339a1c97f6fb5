package dev.trit.formats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads NumPy {@code .npy} files (format versions 1, 2 and 3) holding little-endian float64,
 * float32, int32 or int64 arrays in C order, as doubles. Used for the oracle's per-token NLL arrays.
 * The header, a Python dict literal such as {@code {'descr': '<f8', 'fortran_order': False,
 * 'shape': (25500,), }}, is parsed by a small literal parser, not evaluated.
 */
public final class NpyReader {
    /** An array read from a .npy file: {@code data} in C (row-major) order. */
    public record NpyArray(String descr, long[] shape, double[] data) {
        public NpyArray {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public String toString() {
            return "NpyArray[" + descr + Arrays.toString(shape) + "]";
        }
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Java arrays stop a little below 2^31 elements. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** Whole files are read into one byte[]. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private NpyReader() {
    }

    public static NpyArray read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new FormatException(file, "no such file");
        }
        if (size > MAX_FILE_BYTES) throw new FormatException(file, "file is " + size + " bytes, too large for one array here");
        return parse(file, Files.readAllBytes(file));
    }

    /** Parses the bytes of one .npy file (an entry of a .npz, say); {@code file} names it in errors. */
    public static NpyArray parse(Path file, byte[] bytes) throws FormatException {
        ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long size = bytes.length;
        if (size < 10) throw new FormatException(file, "file is " + size + " bytes, too short for a .npy header");
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) throw new FormatException(file, "not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes[6] & 0xff;
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = all.getShort(8) & 0xffff;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) throw new FormatException(file, "file is too short for a version " + major + " .npy header");
            headerLen = all.getInt(8) & 0xffffffffL;
            prefix = 12;
        } else {
            throw new FormatException(file, "unsupported .npy format version " + major + "." + (bytes[7] & 0xff));
        }
        if (headerLen > size - prefix) {
            throw new FormatException(file, "header length " + headerLen + " runs past the end of the file (" + size + " bytes)");
        }
        // Versions 1 and 2 use latin-1 headers, version 3 UTF-8; the keys we need are ASCII either way.
        String header = new String(bytes, prefix, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new Literal(file, header).dict();

        if (!(dict.get("descr") instanceof String descr)) throw new FormatException(file, "header has no string 'descr'");
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new FormatException(file, "header has no boolean 'fortran_order'");
        }
        if (!(dict.get("shape") instanceof List<?> dims)) throw new FormatException(file, "header has no tuple 'shape'");
        long[] shape = new long[dims.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) throw new FormatException(file, "shape " + dims + " is not a tuple of sizes");
            shape[i] = d;
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new FormatException(file, "shape " + dims + " overflows");
            }
        }
        if (fortran && shape.length > 1) throw new FormatException(file, "Fortran-order arrays are not supported");
        int itemBytes = switch (descr) {
            case "<f8", "<i8" -> 8;
            case "<f4", "<i4" -> 4;
            case "|u1", "<u1", "|i1" -> 1;
            default -> throw new FormatException(file, "unsupported dtype '" + descr
                    + "' (supported: little-endian '<f8', '<f4', '<i8', '<i4', '|u1', '|i1')");
        };
        long dataStart = prefix + headerLen;
        long need = elements * itemBytes; // elements <= file size is checked next, so no overflow below 2^60
        if (elements > size || need != size - dataStart) {
            throw new FormatException(file, "shape " + Arrays.toString(shape) + " of " + descr + " needs " + (elements > size ? "more" : need)
                    + " data bytes, the file has " + (size - dataStart));
        }
        if (elements > MAX_ELEMENTS) throw new FormatException(file, elements + " elements are too many for one Java array");
        ByteBuffer buf = all.slice((int) dataStart, (int) need).order(ByteOrder.LITTLE_ENDIAN);
        double[] data = new double[(int) elements];
        switch (descr) {
            case "<f8" -> buf.asDoubleBuffer().get(data);
            case "<f4" -> { for (int i = 0; i < data.length; i++) data[i] = buf.getFloat(i * 4); }
            case "<i8" -> { for (int i = 0; i < data.length; i++) data[i] = buf.getLong(i * 8); }
            case "|i1" -> { for (int i = 0; i < data.length; i++) data[i] = buf.get(i); }
            case "|u1", "<u1" -> { for (int i = 0; i < data.length; i++) data[i] = buf.get(i) & 0xff; }
            default -> { for (int i = 0; i < data.length; i++) data[i] = buf.getInt(i * 4); }
        }
        return new NpyArray(descr, shape, data);
    }

    /** Parses the Python literals a .npy header uses: dict, tuple, str, int, True/False/None. */
    private static final class Literal {
        private final Path file;
        private final String s;
        private int i;

        Literal(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        Map<String, Object> dict() throws FormatException {
            Object v = value(0);
            skipSpace();
            if (i != s.length()) throw error("unexpected text after the header dict");
            if (!(v instanceof Map<?, ?> m)) throw error("header is not a dict");
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) m;
            return out;
        }

        private FormatException error(String what) {
            return new FormatException(file, "bad .npy header at character " + i + ": " + what);
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private Object value(int depth) throws FormatException {
            if (depth > 16) throw error("nested too deeply");
            skipSpace();
            if (i >= s.length()) throw error("unexpected end");
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new HashMap<>();
                while (true) {
                    skipSpace();
                    if (i < s.length() && s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    if (!(value(depth + 1) instanceof String key)) throw error("dict key is not a string");
                    skipSpace();
                    expect(':');
                    if (m.put(key, value(depth + 1)) != null) throw error("duplicate key '" + key + "'");
                    if (!separator('}')) return m;
                }
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                i++;
                List<Object> l = new ArrayList<>();
                while (true) {
                    skipSpace();
                    if (i < s.length() && s.charAt(i) == close) {
                        i++;
                        return l;
                    }
                    l.add(value(depth + 1));
                    if (!separator(close)) return l;
                }
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) throw error("unterminated string");
                String str = s.substring(i + 1, end);
                i = end + 1;
                return str;
            }
            if (c == '-' || Character.isDigit(c)) {
                int start = i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                if (i < s.length() && s.charAt(i) == 'L') i++; // Python 2 longs
                try {
                    return Long.parseLong(s.substring(start, i).replace("L", ""));
                } catch (NumberFormatException e) {
                    throw error("bad integer " + s.substring(start, i));
                }
            }
            for (String word : new String[] {"True", "False", "None"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("None") ? null : word.equals("True");
                }
            }
            throw error("unexpected character '" + c + "'");
        }

        /** After an item: consumes ',' (returns true, more may follow) or the closing char (false). */
        private boolean separator(char close) throws FormatException {
            skipSpace();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                return true;
            }
            expect(close);
            return false;
        }

        private void expect(char c) throws FormatException {
            if (i >= s.length() || s.charAt(i) != c) throw error("expected '" + c + "'");
            i++;
        }
    }
}
