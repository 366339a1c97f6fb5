package dev.trit.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens matched verbatim in the input before any other processing (HF added tokens, SentencePiece
 * user-defined pieces). Matching is leftmost, then longest, like tokenizers' added-vocabulary
 * matcher.
 */
final class AtomicTokens {
    /** A piece of the input: raw text ({@code id < 0}) or one atomic token. */
    record Segment(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    static final AtomicTokens NONE = new AtomicTokens(Map.of());

    private final Map<Character, List<Map.Entry<String, Integer>>> byFirstChar = new HashMap<>();

    AtomicTokens(Map<String, Integer> tokens) {
        for (Map.Entry<String, Integer> e : tokens.entrySet()) {
            if (!e.getKey().isEmpty()) {
                byFirstChar.computeIfAbsent(e.getKey().charAt(0), c -> new ArrayList<>()).add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        for (List<Map.Entry<String, Integer>> l : byFirstChar.values()) {
            l.sort(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getKey().length()).reversed());
        }
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    List<Segment> split(String text) {
        if (byFirstChar.isEmpty()) {
            return text.isEmpty() ? List.of() : List.of(new Segment(text, -1));
        }
        List<Segment> out = new ArrayList<>();
        int rawStart = 0;
        int i = 0;
        while (i < text.length()) {
            Map.Entry<String, Integer> hit = null;
            List<Map.Entry<String, Integer>> candidates = byFirstChar.get(text.charAt(i));
            if (candidates != null) {
                for (Map.Entry<String, Integer> c : candidates) {
                    if (text.startsWith(c.getKey(), i)) {
                        hit = c;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (i > rawStart) {
                out.add(new Segment(text.substring(rawStart, i), -1));
            }
            out.add(new Segment(hit.getKey(), hit.getValue()));
            i += hit.getKey().length();
            rawStart = i;
        }
        if (rawStart < text.length()) {
            out.add(new Segment(text.substring(rawStart), -1));
        }
        return out;
    }
}
