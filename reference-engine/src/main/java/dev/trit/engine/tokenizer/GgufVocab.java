package dev.trit.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Builds a tokenizer from GGUF {@code tokenizer.ggml.*} metadata the way llama.cpp's
 * {@code llama_vocab::load} reads it, and encodes as {@code llama_tokenize(..., parse_special=false)}:
 * "llama" is SentencePiece BPE, "gpt2" byte-level BPE with the pre-tokenizer named by
 * {@code tokenizer.ggml.pre}. Independent of the GGUF reader: it sees the metadata through
 * {@link Metadata}.
 */
public final class GgufVocab {

    /** The metadata lookups this factory needs; empty when the key is absent. */
    public interface Metadata {
        Optional<String> string(String key);

        /** Integer or boolean (1 / 0) value. */
        OptionalLong integer(String key);

        Optional<List<String>> strings(String key);

        Optional<float[]> floats(String key);

        Optional<int[]> ints(String key);
    }

    private GgufVocab() {
    }

    public static Tokenizer tokenizer(Metadata md) {
        String model = md.string("tokenizer.ggml.model")
                .orElseThrow(() -> new IllegalArgumentException("no tokenizer.ggml.model"));
        List<String> tokens = md.strings("tokenizer.ggml.tokens")
                .orElseThrow(() -> new IllegalArgumentException("no tokenizer.ggml.tokens"));
        int n = tokens.size();
        int[] rawTypes = md.ints("tokenizer.ggml.token_type").orElse(null);
        if (rawTypes != null && rawTypes.length < n) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + rawTypes.length + " entries for " + n
                    + " tokens");
        }
        PieceType[] types = new PieceType[n];
        for (int i = 0; i < n; i++) {
            // llama.cpp treats unknown type numbers as "undefined"; normal is the closest behaviour
            int t = rawTypes == null ? 1 : rawTypes[i];
            types[i] = t >= 1 && t <= 6 ? PieceType.of(t) : PieceType.NORMAL;
        }
        return switch (model) {
            case "llama" -> spm(md, tokens, types);
            case "gpt2" -> bpe(md, tokens, types);
            default -> throw new IllegalArgumentException("unsupported tokenizer.ggml.model " + model);
        };
    }

    private static SpmTokenizer spm(Metadata md, List<String> tokens, PieceType[] types) {
        int n = tokens.size();
        float[] scores = md.floats("tokenizer.ggml.scores").orElse(new float[n]);
        if (scores.length < n) {
            throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length + " entries for " + n
                    + " tokens");
        }
        if (scores.length > n) {
            scores = java.util.Arrays.copyOf(scores, n);
        }
        boolean addSpace = md.integer("tokenizer.ggml.add_space_prefix").orElse(1) != 0;
        boolean addBos = md.integer("tokenizer.ggml.add_bos_token").orElse(1) != 0;
        // llama.cpp applies remove_extra_whitespaces only to UGM vocabularies and always escapes
        // spaces and falls back to bytes for SentencePiece ones.
        return new SpmTokenizer(new SpmTokenizer.Spec(tokens, scores, types, addSpace, false, true, true,
                id(md, "tokenizer.ggml.unknown_token_id", 0, n), id(md, "tokenizer.ggml.bos_token_id", 1, n),
                id(md, "tokenizer.ggml.eos_token_id", 2, n), addBos, true));
    }

    private static BpeTokenizer bpe(Metadata md, List<String> tokens, PieceType[] types) {
        int n = tokens.size();
        List<String> merges = md.strings("tokenizer.ggml.merges")
                .orElseThrow(() -> new IllegalArgumentException("no tokenizer.ggml.merges"));
        String pre = md.string("tokenizer.ggml.pre").orElse("default");
        List<String> regexes = PreTokenizer.forGgufPre(pre);
        if (regexes == null) {
            throw new IllegalArgumentException("unsupported tokenizer.ggml.pre " + pre);
        }
        // llama.cpp sets ignore_merges and add_bos for the Llama-3 family only (not dbrx, smaug)
        boolean llama3 = Set.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral").contains(pre);
        boolean addBos = md.integer("tokenizer.ggml.add_bos_token").orElse(llama3 ? 1 : 0) != 0;
        // llama.cpp always cuts user-defined tokens out of the text, control and unknown ones
        // only with parse_special.
        Map<String, Integer> atomic = new HashMap<>();
        Map<String, Integer> special = new HashMap<>();
        for (int i = 0; i < n; i++) {
            if (types[i] == PieceType.USER_DEFINED) {
                atomic.putIfAbsent(tokens.get(i), i);
            } else if (types[i] == PieceType.CONTROL || types[i] == PieceType.UNKNOWN) {
                special.putIfAbsent(tokens.get(i), i);
            }
        }
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (String m : merges) {
            int sp = m.indexOf(' ', 1);
            if (sp >= 0) {
                pairs.add(new String[] {m.substring(0, sp), m.substring(sp + 1)});
            }
        }
        return new BpeTokenizer(new BpeTokenizer.Spec(tokens, pairs, regexes, llama3, atomic, special,
                id(md, "tokenizer.ggml.bos_token_id", 11, n), id(md, "tokenizer.ggml.eos_token_id", 11, n), addBos));
    }

    /** A special token id: the key's value if in range, else llama.cpp's default if in range. */
    private static OptionalInt id(Metadata md, String key, int fallback, int n) {
        OptionalLong v = md.integer(key);
        if (v.isPresent() && v.getAsLong() >= 0 && v.getAsLong() < n) {
            return OptionalInt.of((int) v.getAsLong());
        }
        return fallback < n ? OptionalInt.of(fallback) : OptionalInt.empty();
    }
}
