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
 * <li>{@code not x is defined}, {@code not a == b}: Jinjava's {@code not} binds tighter than tests and
 *     comparisons; the operand of each {@code not} is parenthesized up to the next and/or/if/else.</li>
 * <li>{@code strftime_now is defined}, {@code raise_exception is defined}: true (Jinjava's test sees only variables).</li>
 * <li>Whitespace control Jinjava lacks: {@code {%+}, {@code +%}}, {@code -#}}; newlines read as Jinja reads them
 *     (\r\n and \r as \n, one final newline dropped).</li>
 * <li>Rejected: loop filters ({@code for x in y if z}, whose loop variables Jinjava cannot count as Jinja
 *     does) and recursive loops.</li>
 * </ul>
 */
final class TemplateSource {
    private TemplateSource() {
    }

    private static final Pattern KWARG = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)");
    private static final Pattern GLOBAL_DEFINED =
            Pattern.compile("(?:raise_exception|strftime_now)\\s+is\\s+(not\\s+)?defined(?![A-Za-z0-9_])");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** The adapted source; the names of the filters it applies are added to {@code filters}. */
    static String adapt(String source, java.util.Set<String> filters) throws ChatTemplateException {
        // Jinja reads \r\n and \r as \n and drops one newline at the end (keep_trailing_newline=False)
        String src = source.replace("\r\n", "\n").replace('\r', '\n');
        if (src.endsWith("\n")) src = src.substring(0, src.length() - 1);
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
                // Jinjava ignores "-#}"; an empty block pair trims, lstrips and eats the newline as a comment does
                int end = src.indexOf("#}", open + 2);
                if (end < 0) throw unsupported(src, open, "unclosed comment");
                String lead = marker(src.charAt(open + 2)), trail = end - 1 > open + 2 ? marker(src.charAt(end - 1)) : "";
                i = end + 2;
                out.append(blockTag(lead, " if false ", "")).append(blockTag("", " endif ", trail));
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
            if (kind == '{') {
                out.append("{{").append(lead).append(expression(src, open, inner, true, filters)).append(trail).append("}}");
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
            i = end + 2;
            out.append(blockTag(lead, expression(src, open, inner, kwargs, filters), trail));
        }
        return out.toString();
    }

    private static String marker(char c) {
        return c == '-' || c == '+' ? String.valueOf(c) : "";
    }

    /**
     * A block tag {@code {%lead inner trail%}} for Jinjava, which knows "-" but not "+": "{%+" (no
     * lstrip_blocks) and "+%}" (no trim_blocks) become an empty expression between the tag and the
     * whitespace it must not take, as expressions are exempt from both.
     */
    private static String blockTag(String lead, String inner, String trail) {
        StringBuilder b = new StringBuilder();
        if (lead.equals("+")) {
            lead = "";
            b.append("{{ '' }}");
        }
        b.append("{%").append(lead).append(inner);
        if (trail.equals("+")) {
            b.append("%}{{ '' }}");
        } else {
            b.append(trail).append("%}");
        }
        return b.toString();
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
        int nots; // "not (" opened in this frame, closed at its next and/or/if/else, comma or end

        Frame(char open) {
            this.open = open;
        }
    }

    private static String expression(String src, int at, String e, boolean kwargs, java.util.Set<String> filters)
            throws ChatTemplateException {
        StringBuilder o = new StringBuilder(e.length() + 16);
        Deque<Frame> stack = new ArrayDeque<>();
        Frame root = new Frame(' ');
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
                    closeNots(o, top == null ? root : top);
                    if (top != null && top.kwargOpen) {
                        o.append(')');
                        top.kwargOpen = false;
                    }
                    o.append(c);
                    if (top != null && top.open == '(' && kwargs) parenAfter = kwargAt(e, i + 1);
                }
                case ')', ']', '}' -> {
                    Frame top = stack.poll();
                    if (top != null) closeNots(o, top);
                    if (top != null && top.kwargOpen) o.append(')');
                    if (top != null && c == ']' && top.colons >= 2) throw unsupported(src, at, "slices with a step other than [::-1]");
                    o.append(c);
                }
                case '|' -> {
                    Matcher f = WORD.matcher(e).region(i + 1, e.length());
                    int k = i + 1;
                    while (k < e.length() && e.charAt(k) == ' ') k++;
                    if (f.region(k, e.length()).lookingAt()) filters.add(f.group());
                    o.append(c);
                }
                case ':' -> {
                    Frame top = stack.peek();
                    if (top != null && top.open == '[') top.colons++;
                    o.append(c);
                }
                default -> {
                    if (!wordStart(e, i)) {
                        o.append(c);
                        break;
                    }
                    int j = i;
                    while (j < e.length() && Character.isJavaIdentifierPart(e.charAt(j))) j++;
                    String word = e.substring(i, j);
                    Frame top = stack.isEmpty() ? root : stack.peek();
                    Matcher g = GLOBAL_DEFINED.matcher(e).region(i, e.length());
                    if (g.lookingAt()) {
                        // a function of transformers' environment: defined (Jinjava only looks at variables)
                        o.append(g.group(1) == null ? "true" : "false");
                        j = g.end();
                    } else if (word.equals("and") || word.equals("or") || word.equals("if") || word.equals("else")) {
                        closeNots(o, top);
                        o.append(word);
                    } else if (word.equals("not") && !wordBefore(e, i, "is") && !wordAfter(e, j, "in")) {
                        // Jinja's "not" takes everything up to and/or/if/else; Jinjava's binds tighter than
                        // "is", "in" and comparisons ("not x is defined" would be "(not x) is defined")
                        o.append("not (");
                        top.nots++;
                    } else {
                        o.append(word);
                    }
                    i = j - 1;
                }
            }
            if (i == parenAfter) {
                o.append('(');
                stack.peek().kwargOpen = true;
                parenAfter = -1;
            }
        }
        closeNots(o, root);
        return o.toString();
    }

    private static void closeNots(StringBuilder o, Frame f) {
        for (; f.nots > 0; f.nots--) o.append(')');
    }

    private static boolean wordStart(String e, int i) {
        return Character.isJavaIdentifierStart(e.charAt(i)) && e.charAt(i) != '$'
                && (i == 0 || !Character.isJavaIdentifierPart(e.charAt(i - 1)) && e.charAt(i - 1) != '.');
    }

    /** Whether the last word before index i (skipping spaces) is w. */
    private static boolean wordBefore(String e, int i, String w) {
        int k = i;
        while (k > 0 && Character.isWhitespace(e.charAt(k - 1))) k--;
        int b = k;
        while (b > 0 && Character.isJavaIdentifierPart(e.charAt(b - 1))) b--;
        return e.substring(b, k).equals(w);
    }

    /** Whether the next word from index j (skipping spaces) is w. */
    private static boolean wordAfter(String e, int j, String w) {
        int k = j;
        while (k < e.length() && Character.isWhitespace(e.charAt(k))) k++;
        int b = k;
        while (b < e.length() && Character.isJavaIdentifierPart(e.charAt(b))) b++;
        return e.substring(k, b).equals(w);
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
