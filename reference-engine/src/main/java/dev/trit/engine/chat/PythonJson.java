package dev.trit.engine.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)},
 * which transformers installs as the templates' {@code tojson} filter (Jinja's own escapes HTML and
 * sorts keys; Jinjava's writes compact JSON).
 */
final class PythonJson {
    private final String indent; // null: one line
    private final String itemSep, keySep;
    private final boolean sortKeys;

    PythonJson(String indent, String itemSep, String keySep, boolean sortKeys) {
        this.indent = indent;
        this.itemSep = itemSep != null ? itemSep : indent == null ? ", " : ",";
        this.keySep = keySep != null ? keySep : ": ";
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    private void write(StringBuilder b, Object v, int level) {
        switch (v) {
            case null -> b.append("null");
            case String s -> string(b, s);
            case Boolean t -> b.append(t ? "true" : "false");
            case Double d -> b.append(floatRepr(d));
            case Float f -> b.append(floatRepr(f.doubleValue()));
            case Number n -> b.append(n.toString());
            case Character c -> string(b, c.toString());
            case Map<?, ?> m -> object(b, m, level);
            case Collection<?> c -> array(b, new ArrayList<>(c), level);
            case Object[] a -> array(b, List.of(a), level);
            default -> throw new IllegalArgumentException("tojson: Object of type " + v.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private void array(StringBuilder b, List<?> items, int level) {
        if (items.isEmpty()) {
            b.append("[]");
            return;
        }
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) b.append(itemSep);
            newline(b, level + 1);
            write(b, items.get(i), level + 1);
        }
        newline(b, level);
        b.append(']');
    }

    private void object(StringBuilder b, Map<?, ?> m, int level) {
        if (m.isEmpty()) {
            b.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        if (sortKeys) entries.sort(Map.Entry.comparingByKey());
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : entries) {
            if (!first) b.append(itemSep);
            first = false;
            newline(b, level + 1);
            string(b, e.getKey());
            b.append(keySep);
            write(b, e.getValue() == NULL ? null : e.getValue(), level + 1);
        }
        newline(b, level);
        b.append('}');
    }

    private static final Object NULL = new Object();

    private static String key(Object k) {
        return switch (k) {
            case null -> "null";
            case String s -> s;
            case Boolean t -> t ? "true" : "false";
            case Double d -> floatRepr(d);
            case Number n -> n.toString();
            default -> throw new IllegalArgumentException("tojson: keys must be str, int, float, bool or None, not " + k.getClass().getSimpleName());
        };
    }

    private void newline(StringBuilder b, int level) {
        if (indent == null) return;
        b.append('\n');
        b.append(indent.repeat(level));
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    /** Python's repr of a float: shortest digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - bd.scale() - 1; // value = d.ddd × 10^exp
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
        if (exp < -4 || exp >= 16) {
            b.append(digits.charAt(0));
            if (digits.length() > 1) b.append('.').append(digits, 1, digits.length());
            b.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) b.append('0');
            b.append(a);
        } else if (exp < 0) {
            b.append("0.").append("0".repeat(-exp - 1)).append(digits);
        } else if (digits.length() <= exp + 1) {
            b.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
        } else {
            b.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
        return b.toString();
    }
}
