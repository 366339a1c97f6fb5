package dev.trit.engine.chat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few Jinja constructs of chat templates that Jinjava parses differently from Python
 * Jinja into equivalent ones it parses as Jinja does, and rejects those it would render wrongly
 * without an error. Text outside tags, comments and raw blocks is left byte for byte.
 *
 * <ul>
 * <li>Keyword arguments: {@code namespace(i=messages|length - 1)} — Jinjava binds {@code i=messages|length}
 *     first; each keyword value is put in parentheses.</li>
 * <li>{@code x[::-1]} (reverse) becomes {@code x|reverse|list}; other slices with a step are rejected.</li>
 * <li>{@code {% generation %}...{% endgeneration %}} (transformers' assistant-mask tag, which renders its
 *     body) becomes an always-true {@code if}, keeping the whitespace control of the tags.</li>
 * <li>Rejected: loop filters ({@code for x in y if z}, whose loop variables Jinjava cannot count as Jinja
 *     does) and recursive loops.</li>
 * </ul>
 */
final class TemplateSource {
    private TemplateSource() {
    }

    private static final Pattern KWARG = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    static String adapt(String src) throws ChatTemplateException {
        StringBuilder out = new StringBuilder(src.length() + 64);
        int i = 0, n = src.length();
        while (i < n) {
            int open = nextTag(src, i);
            if (open < 0) {
                out.append(src, i, n);
                break;
            }
            out.append(src, i, open);
            char kind = src.charAt(open + 1);
            if (kind == '#') {
                int end = src.indexOf("#}", open + 2);
                if (end < 0) throw unsupported(src, open, "unclosed comment");
                out.append(src, open, end + 2);
                i = end + 2;
                continue;
            }
            int end = tagEnd(src, open + 2, kind == '{' ? '}' : '%');
            if (end < 0) throw unsupported(src, open, "unclosed " + (kind == '{' ? "{{" : "{%"));
            // inner text without the whitespace-control markers
            int a = open + 2, b = end;
            String lead = "", trail = "";
            if (a < b && (src.charAt(a) == '-' || src.charAt(a) == '+')) lead = String.valueOf(src.charAt(a++));
            if (b > a && (src.charAt(b - 1) == '-' || src.charAt(b - 1) == '+')) trail = String.valueOf(src.charAt(--b));
            String inner = src.substring(a, b);
            String close = kind == '{' ? "}}" : "%}";
            if (kind == '{') {
                out.append("{{").append(lead).append(expression(src, open, inner, true)).append(trail).append(close);
                i = end + 2;
                continue;
            }
            Matcher w = WORD.matcher(inner.stripLeading());
            String keyword = w.lookingAt() ? w.group() : "";
            switch (keyword) {
                case "raw" -> {
                    Matcher endraw = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}").matcher(src);
                    if (!endraw.find(end + 2)) throw unsupported(src, open, "raw block without endraw");
                    out.append(src, open, endraw.end());
                    i = endraw.end();
                    continue;
                }
                case "generation" -> inner = inner.replaceFirst("generation", "if true");
                case "endgeneration" -> inner = inner.replaceFirst("endgeneration", "endif");
                case "for" -> checkFor(src, open, inner);
                default -> {
                }
            }
            boolean kwargs = !keyword.equals("macro") && !keyword.equals("call");
            out.append("{%").append(lead).append(expression(src, open, inner, kwargs)).append(trail).append(close);
            i = end + 2;
        }
        return out.toString();
    }

    /** Start of the next {{, {% or {# at or after i, or -1. */
    private static int nextTag(String s, int i) {
        for (int k = s.indexOf('{', i); k >= 0 && k + 1 < s.length(); k = s.indexOf('{', k + 1)) {
            char c = s.charAt(k + 1);
            if (c == '{' || c == '%' || c == '#') return k;
        }
        return -1;
    }

    /** Index of the closing "}}" or "%}" (its first char) outside strings and brackets, or -1. */
    private static int tagEnd(String s, int i, char first) {
        int depth = 0;
        for (int k = i; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '\'' || c == '"') {
                k = stringEnd(s, k);
                if (k < 0) return -1;
            } else if (depth == 0 && c == first && k + 1 < s.length() && s.charAt(k + 1) == '}') {
                return k;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }

    /** Index of the quote that closes the string literal opening at k, or -1. */
    private static int stringEnd(String s, int k) {
        char q = s.charAt(k);
        for (int j = k + 1; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') j++;
            else if (c == q) return j;
        }
        return -1;
    }

    private static final class Frame {
        final char open;
        boolean kwargOpen;
        int colons;

        Frame(char open) {
            this.open = open;
        }
    }

    private static String expression(String src, int at, String e, boolean kwargs) throws ChatTemplateException {
        StringBuilder o = new StringBuilder(e.length() + 16);
        Deque<Frame> stack = new ArrayDeque<>();
        int parenAfter = -1; // index of a keyword argument's '=' after which '(' goes
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int j = stringEnd(e, i);
                if (j < 0) throw unsupported(src, at, "unterminated string");
                o.append(e, i, j + 1);
                i = j;
                continue;
            }
            if (c == '[' && e.startsWith("[::-1]", i)) {
                o.append("|reverse|list");
                i += 5;
                continue;
            }
            switch (c) {
                case '(', '[', '{' -> {
                    stack.push(new Frame(c));
                    o.append(c);
                    if (c == '(' && kwargs) parenAfter = kwargAt(e, i + 1);
                }
                case ',' -> {
                    Frame top = stack.peek();
                    if (top != null && top.kwargOpen) {
                        o.append(')');
                        top.kwargOpen = false;
                    }
                    o.append(c);
                    if (top != null && top.open == '(' && kwargs) parenAfter = kwargAt(e, i + 1);
                }
                case ')', ']', '}' -> {
                    Frame top = stack.poll();
                    if (top != null && top.kwargOpen) o.append(')');
                    if (top != null && c == ']' && top.colons >= 2) throw unsupported(src, at, "slices with a step other than [::-1]");
                    o.append(c);
                }
                case ':' -> {
                    Frame top = stack.peek();
                    if (top != null && top.open == '[') top.colons++;
                    o.append(c);
                }
                default -> o.append(c);
            }
            if (i == parenAfter) {
                o.append('(');
                stack.peek().kwargOpen = true;
                parenAfter = -1;
            }
        }
        return o.toString();
    }

    /** If a keyword argument starts at i, the index of its '='; else -1. */
    private static int kwargAt(String e, int i) {
        Matcher m = KWARG.matcher(e).region(i, e.length());
        return m.lookingAt() ? m.end() - 1 : -1;
    }

    private static void checkFor(String src, int at, String inner) throws ChatTemplateException {
        List<String> words = topLevelWords(inner);
        int in = words.indexOf("in");
        int iff = in < 0 ? -1 : words.subList(in, words.size()).indexOf("if");
        if (iff >= 0 && !words.subList(in + iff, words.size()).contains("else")) {
            throw unsupported(src, at, "loop filters (for ... in ... if ...)");
        }
        if (!words.isEmpty() && words.getLast().equals("recursive")) throw unsupported(src, at, "recursive loops");
    }

    /** The identifiers of s outside strings and brackets, in order. */
    private static List<String> topLevelWords(String s) {
        List<String> words = new ArrayList<>();
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                int j = stringEnd(s, i);
                if (j < 0) break;
                i = j;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
                if (depth == 0 && (i == 0 || s.charAt(i - 1) != '.')) words.add(s.substring(i, j));
                i = j - 1;
            }
        }
        return words;
    }

    private static ChatTemplateException unsupported(String src, int at, String what) {
        return new ChatTemplateException("chat template line " + line(src, at) + ": " + what + " not supported by the template engine");
    }

    static int line(String src, int at) {
        int line = 1;
        for (int k = 0; k < at && k < src.length(); k++) if (src.charAt(k) == '\n') line++;
        return line;
    }
}
