package dev.trit.engine.eval.lmeval;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bits of Python's string semantics the lm-evaluation-harness code relies on, written for Java:
 * {@code str.isspace()} / {@code str.strip()} and the {@code \s} of a {@code re} pattern on a str
 * (Unicode whitespace; Java's {@code \s} is ASCII-only unless asked otherwise, and its Unicode
 * White_Space class lacks the separators U+001C..U+001F that Python counts as space).
 */
final class PyText {
    private PyText() {
    }

    /** Python's {@code \s} (str pattern), for use inside a Java regex. */
    static final String SPACE = "[\\s\\x1c-\\x1f]";

    /** Flags under which {@link #SPACE} means what Python's {@code \s} means. */
    static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS;

    private static final Pattern SPACE_RUN = Pattern.compile(SPACE + "+", FLAGS);

    /** {@code str.isspace()} of one code point. */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    /** {@code str.strip()}. */
    static String strip(String s) {
        int from = 0, to = s.length();
        while (from < to && isSpace(s.charAt(from))) from++;
        while (to > from && isSpace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    /**
     * {@code len(re.split(r"\s+", s))}: the pieces between runs of whitespace, empty pieces at either
     * end included (a leading or trailing run still adds a piece), so one more than the number of runs.
     */
    static int splitCount(String s) {
        Matcher m = SPACE_RUN.matcher(s);
        int runs = 0;
        while (m.find()) runs++;
        return runs + 1;
    }
}
