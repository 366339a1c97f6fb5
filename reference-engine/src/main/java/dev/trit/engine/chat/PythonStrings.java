package dev.trit.engine.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Python {@code str} semantics that chat templates rely on (whitespace, strip, split, title...). */
final class PythonStrings {
    private PythonStrings() {
    }

    /** {@code str.isspace()} for one char: Java's whitespace plus the no-break spaces and NEL. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u0085' || c == '\u00A0' || c == '\u2007' || c == '\u202F';
    }

    /** {@code str.strip(chars)}: chars null means whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int b = 0, e = s.length();
        if (left) while (b < e && strippable(s.charAt(b), chars)) b++;
        if (right) while (e > b && strippable(s.charAt(e - 1), chars)) e--;
        return s.substring(b, e);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** {@code str.split(sep, maxsplit)}; sep null splits on runs of whitespace and drops empty ends. */
    static List<String> split(String s, String sep, int maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, from);
            if (k < 0) break;
            out.add(s.substring(from, k));
            from = k + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** {@code str.rsplit(sep, maxsplit)} with an explicit separator (no separator: as split). */
    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (sep == null || maxsplit < 0) return split(s, sep, maxsplit);
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        List<String> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, end - sep.length());
            if (k < 0) break;
            out.addFirst(s.substring(k + sep.length(), end));
            end = k;
        }
        out.addFirst(s.substring(0, end));
        return out;
    }

    /** {@code str.title()}: a cased letter after an uncased character is upper-cased, the rest lower-cased. */
    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            b.appendCodePoint(cased ? (prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            prevCased = cased;
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    /** {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        int n = Character.charCount(cp);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(cp)).append(s.substring(n).toLowerCase(Locale.ROOT)).toString();
    }

    /** {@code str.replace(old, new, count)}; count < 0 replaces all. */
    static String replace(String s, String old, String rep, int count) {
        if (count < 0) return s.replace(old, rep);
        StringBuilder b = new StringBuilder();
        int from = 0, done = 0;
        if (old.isEmpty()) {
            // Python inserts rep before every character and at the end, up to count times
            for (int i = 0; i <= s.length() && done < count; i++, done++) {
                b.append(rep);
                if (i < s.length()) b.append(s.charAt(i));
                from = Math.min(s.length(), i + 1);
            }
            return b.append(s.substring(from)).toString();
        }
        while (done < count) {
            int k = s.indexOf(old, from);
            if (k < 0) break;
            b.append(s, from, k).append(rep);
            from = k + old.length();
            done++;
        }
        return b.append(s.substring(from)).toString();
    }

    /** Occurrences of sub that do not overlap, as {@code str.count}. */
    static int count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1;
        int n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) n++;
        return n;
    }
}
