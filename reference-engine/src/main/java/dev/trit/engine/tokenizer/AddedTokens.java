package dev.trit.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added vocabulary of a {@code tokenizer.json} as tokenizers matches it: leftmost-longest
 * occurrences of the tokens' contents, a special token skipped (left as text) when special tokens are
 * not parsed, {@code single_word} tokens only between non-word characters, {@code lstrip} /
 * {@code rstrip} taking the whitespace before / after the match into the token. One instance holds
 * either the tokens matched on the raw text ({@code normalized: false}) or those matched on the
 * normalized text.
 */
final class AddedTokens {
    /** One added token and its matching flags. */
    record Token(String content, int id, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                 boolean normalized) {
    }

    /** A piece of text: raw ({@code token == null}) or the match of an added token. */
    record Piece(String text, int start, Token token) {
    }

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        Token token;
    }

    private final Node root = new Node();
    private final boolean empty;

    AddedTokens(List<Token> tokens) {
        for (Token t : tokens) {
            if (t.content().isEmpty()) {
                continue;
            }
            Node n = root;
            for (int i = 0; i < t.content().length(); i++) {
                n = n.next.computeIfAbsent(t.content().charAt(i), c -> new Node());
            }
            if (n.token == null) {
                n.token = t;
            }
        }
        empty = root.next.isEmpty();
    }

    /**
     * Splits {@code text} into raw pieces and token matches, in order; empty raw pieces are left
     * out. Offsets are relative to {@code text}.
     */
    List<Piece> split(String text, boolean parseSpecial) {
        List<Piece> out = new ArrayList<>();
        if (empty) {
            if (!text.isEmpty()) {
                out.add(new Piece(text, 0, null));
            }
            return out;
        }
        int rawStart = 0; // start of the text not yet taken by a token
        int i = 0;
        while (i < text.length()) {
            Token hit = null;
            int hitEnd = -1;
            Node n = root;
            for (int j = i; j < text.length(); j++) {
                n = n.next.get(text.charAt(j));
                if (n == null) {
                    break;
                }
                if (n.token != null) {
                    hit = n.token;
                    hitEnd = j + 1;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = hitEnd;
            i = hitEnd; // the matcher resumes after this match even when it is not used
            if (hit.special() && !parseSpecial) {
                continue;
            }
            if (hit.singleWord() && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) {
                continue;
            }
            if (hit.lstrip()) {
                int s = start;
                while (s > rawStart && Character.isWhitespace(text.codePointBefore(s))) {
                    s -= Character.charCount(text.codePointBefore(s));
                }
                start = s;
            }
            if (hit.rstrip()) {
                while (stop < text.length() && Character.isWhitespace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
                i = Math.max(i, stop);
            }
            if (start > rawStart) {
                out.add(new Piece(text.substring(rawStart, start), rawStart, null));
            }
            out.add(new Piece(text.substring(start, stop), start, hit));
            rawStart = stop;
        }
        if (rawStart < text.length()) {
            out.add(new Piece(text.substring(rawStart), rawStart, null));
        }
        return out;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }

    private static boolean endsWithWordChar(String s, int end) {
        return end > 0 && isWordChar(s.codePointBefore(end));
    }

    private static boolean startsWithWordChar(String s, int start) {
        return start < s.length() && isWordChar(s.codePointAt(start));
    }
}
