package dev.trit.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into pre-tokens with a cascade of regexes, like tokenizers' {@code Split} with
 * behaviour {@code Isolated} and llama.cpp's {@code unicode_regex_split}: every match and every
 * gap between matches becomes a piece, and each later regex splits the pieces of the earlier one.
 *
 * <p>Patterns are compiled with {@link Pattern#UNICODE_CHARACTER_CLASS} so that {@code \s} is
 * Unicode White_Space and {@code (?i:...)} folds case by Unicode rules, as in Oniguruma (used
 * by tokenizers), and {@code \p{L}}, {@code \p{N}} are general categories in all three.
 */
final class PreTokenizer {
    /** GPT-2 (tokenizer.json form, with the trailing {@code \s+}). */
    static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama-3 split regex as written in its tokenizer.json. */
    static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private final List<Pattern> patterns;

    PreTokenizer(List<String> regexes) {
        this.patterns = regexes.stream().map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }

    /** llama.cpp's regex cascade for a {@code tokenizer.ggml.pre} name, or null if unknown. */
    static List<String> forGgufPre(String pre) {
        String gpt2NoTail = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "dbrx", "smaug-bpe" ->
                    List.of(LLAMA3);
            case "gpt-2", "phi-2", "mpt", "olmo", "jais", "roberta-bpe" -> List.of(gpt2NoTail);
            case "falcon" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", gpt2NoTail, "[0-9][0-9][0-9]");
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone" -> List.of("\\p{N}", gpt2NoTail);
            case "qwen2", "stablelm2", "deepseek-r1-qwen" -> List.of(
                    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
            case "default" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", gpt2NoTail, "\\p{N}+", "[0-9][0-9][0-9]");
            default -> null;
        };
    }

    List<String> split(String text) {
        List<String> pieces = List.of(text);
        for (Pattern p : patterns) {
            List<String> next = new ArrayList<>(pieces.size() * 2);
            for (String piece : pieces) {
                splitOne(p, piece, next);
            }
            pieces = next;
        }
        return pieces;
    }

    private static void splitOne(Pattern p, String text, List<String> out) {
        Matcher m = p.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue; // empty matches split nothing
            }
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            out.add(text.substring(m.start(), m.end()));
            last = m.end();
        }
        if (last < text.length()) {
            out.add(text.substring(last));
        }
    }
}
