package dev.trit.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece BPE (Llama-2 family), as sentencepiece's BPE model and llama.cpp's
 * {@code llm_tokenizer_spm} encode: spaces become U+2581 ("▁"), a dummy "▁" goes in front,
 * the text is split into code points, and the adjacent pair whose concatenation is the
 * highest-scoring piece is merged (leftmost on ties) until no pair is a piece. Symbols that are
 * not pieces become {@code <0xNN>} byte pieces (byte fallback) or the unknown piece.
 */
public final class SpmTokenizer implements Tokenizer {
    static final char SPACE = '\u2581';

    /**
     * Everything a SentencePiece BPE tokenizer is made of.
     *
     * @param pieces            piece text by id
     * @param scores            piece score by id (higher merges first)
     * @param types             piece type by id
     * @param addDummyPrefix    put a space in front of the text (normalizer add_dummy_prefix)
     * @param removeExtraSpaces trim spaces and collapse runs of spaces (remove_extra_whitespaces)
     * @param escapeSpaces      replace ' ' by U+2581 (escape_whitespaces)
     * @param byteFallback      unknown symbols become their UTF-8 bytes as {@code <0xNN>} pieces
     * @param unk               the unknown piece
     * @param addBos            whether {@code encode(text, true)} puts BOS in front
     * @param llamaCppSpecials  llama.cpp's handling of user-defined pieces: cut out of the raw text
     *                          like special tokens, the text after one gets its own dummy prefix.
     *                          Otherwise sentencepiece's: matched inside the normalized text.
     */
    public record Spec(List<String> pieces, float[] scores, PieceType[] types, boolean addDummyPrefix,
                       boolean removeExtraSpaces, boolean escapeSpaces, boolean byteFallback, OptionalInt unk,
                       OptionalInt bos, OptionalInt eos, boolean addBos, boolean llamaCppSpecials) {
        public Spec {
            pieces = List.copyOf(pieces);
            if (scores.length != pieces.size() || types.length != pieces.size()) {
                throw new IllegalArgumentException(pieces.size() + " pieces but " + scores.length + " scores and "
                        + types.length + " types");
            }
            Objects.requireNonNull(unk);
            Objects.requireNonNull(bos);
            Objects.requireNonNull(eos);
        }
    }

    private static final int CACHE_LIMIT = 1 << 18;

    private final String[] pieces;
    private final float[] scores;
    private final PieceType[] types;
    /** Pieces a merge may produce and a symbol may be emitted as (normal, user-defined, unused). */
    private final Map<String, Integer> mergeable = new HashMap<>();
    private final int[] byteIds = new int[256];
    private final AtomicTokens userDefined;
    /** Control and unknown pieces, matched when parsing special tokens. */
    private final AtomicTokens control;
    /** User-defined plus control and unknown pieces. */
    private final AtomicTokens withSpecial;
    private final Spec spec;
    /** No piece has "▁" after its first character, so merges never cross a word start. */
    private final boolean wordsIndependent;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    public SpmTokenizer(Spec spec) {
        this.spec = spec;
        this.pieces = spec.pieces().toArray(String[]::new);
        this.scores = spec.scores().clone();
        this.types = spec.types().clone();
        java.util.Arrays.fill(byteIds, -1);
        Map<String, Integer> ud = new HashMap<>();
        Map<String, Integer> control = new HashMap<>();
        boolean independent = true;
        for (int i = 0; i < pieces.length; i++) {
            String p = pieces[i];
            switch (types[i]) {
                case NORMAL, UNUSED -> mergeable.putIfAbsent(p, i);
                case USER_DEFINED -> {
                    mergeable.putIfAbsent(p, i);
                    ud.putIfAbsent(p, i);
                }
                case CONTROL, UNKNOWN -> control.putIfAbsent(p, i);
                case BYTE -> {
                    int b = byteValue(p);
                    if (b >= 0 && byteIds[b] < 0) {
                        byteIds[b] = i;
                    }
                }
            }
            if (types[i] != PieceType.BYTE && p.indexOf(SPACE, 1) > 0) {
                independent = false;
            }
        }
        this.userDefined = new AtomicTokens(ud);
        this.control = new AtomicTokens(control);
        control.putAll(ud);
        this.withSpecial = new AtomicTokens(control);
        this.wordsIndependent = independent;
    }

    /** 0-255 for a piece "<0xNN>", else -1. */
    static int byteValue(String p) {
        if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
            try {
                return Integer.parseInt(p.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && spec.addBos() && spec.bos().isPresent()) {
            out.add(spec.bos().getAsInt());
        }
        if (spec.removeExtraSpaces()) {
            text = collapseSpaces(text);
        }
        // Text between atomic tokens is encoded chunk by chunk, each with its own dummy prefix
        // (llama.cpp; transformers' legacy LlamaTokenizer around special tokens).
        AtomicTokens outer = spec.llamaCppSpecials() ? (parseSpecial ? withSpecial : userDefined)
                : (parseSpecial ? control : AtomicTokens.NONE);
        boolean prefix = true;
        for (AtomicTokens.Segment seg : outer.split(text)) {
            if (seg.isToken()) {
                out.add(seg.id());
                prefix = true;
            } else {
                encodeChunk(seg.text(), prefix && spec.addDummyPrefix(), out);
                prefix = false;
            }
        }
        return out.toArray();
    }

    private void encodeChunk(String chunk, boolean prefix, IntList out) {
        String norm = escape(prefix ? " " + chunk : chunk);
        // sentencepiece matches user-defined pieces inside the normalized text
        AtomicTokens inner = spec.llamaCppSpecials() ? AtomicTokens.NONE : userDefined;
        for (AtomicTokens.Segment seg : inner.split(norm)) {
            if (seg.isToken()) {
                out.add(seg.id());
            } else {
                encodeRaw(seg.text(), out);
            }
        }
    }

    private String escape(String s) {
        return spec.escapeSpaces() ? s.replace(' ', SPACE) : s;
    }

    /** sentencepiece's remove_extra_whitespaces: no leading or trailing spaces, runs become one. */
    private static String collapseSpaces(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ') {
                pendingSpace = b.length() > 0;
                continue;
            }
            if (pendingSpace) {
                b.append(' ');
                pendingSpace = false;
            }
            b.append(c);
        }
        return b.toString();
    }

    private void encodeRaw(String s, IntList out) {
        if (!wordsIndependent) {
            out.addAll(encodeWord(s));
            return;
        }
        int start = 0;
        for (int i = 1; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == SPACE) {
                String word = s.substring(start, i);
                int[] ids = cache.get(word);
                if (ids == null) {
                    ids = encodeWord(word);
                    if (cache.size() >= CACHE_LIMIT) {
                        cache.clear();
                    }
                    cache.put(word, ids);
                }
                out.addAll(ids);
                start = i;
            }
        }
    }

    private int[] encodeWord(String w) {
        int n = 0;
        int[] start = new int[w.length() + 1];
        for (int i = 0; i < w.length(); i += Character.charCount(w.codePointAt(i))) {
            start[n++] = i;
        }
        start[n] = w.length();
        // symbol k covers w[start[k], end[k]); merged-away symbols are dead
        int[] end = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int k = 0; k < n; k++) {
            end[k] = start[k + 1];
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
        }
        LongHeap heap = new LongHeap();
        for (int k = 0; k + 1 < n; k++) {
            push(heap, w, start, end, k, k + 1);
        }
        while (!heap.isEmpty()) {
            long key = heap.pop();
            int left = (int) key;
            int right = next[left];
            if (dead[left] || right < 0) {
                continue;
            }
            Integer id = mergeable.get(w.substring(start[left], end[right]));
            if (id == null || priority(scores[id]) != (int) (key >> 32)) {
                continue; // stale: the pair at this position changed since it was queued
            }
            end[left] = end[right];
            dead[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                push(heap, w, start, end, prev[left], left);
            }
            if (next[left] >= 0) {
                push(heap, w, start, end, left, next[left]);
            }
        }
        IntList out = new IntList(n);
        for (int k = 0; k >= 0 && n > 0; k = next[k]) {
            String sym = w.substring(start[k], end[k]);
            Integer id = mergeable.get(sym);
            if (id != null) {
                out.add(id);
            } else if (spec.byteFallback()) {
                for (byte b : sym.getBytes(StandardCharsets.UTF_8)) {
                    int bid = byteIds[b & 0xFF];
                    if (bid >= 0) {
                        out.add(bid);
                    } else if (spec.unk().isPresent()) {
                        out.add(spec.unk().getAsInt());
                    }
                }
            } else if (spec.unk().isPresent()) {
                out.add(spec.unk().getAsInt());
            }
        }
        return out.toArray();
    }

    private void push(LongHeap heap, String w, int[] start, int[] end, int left, int right) {
        Integer id = mergeable.get(w.substring(start[left], end[right]));
        if (id != null) {
            heap.push(((long) priority(scores[id]) << 32) | left);
        }
    }

    /** Orders scores high to low as ints low to high; -0.0 and 0.0 tie, as in C++ comparisons. */
    private static int priority(float score) {
        int bits = Float.floatToIntBits(-(score + 0.0f));
        return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean first = true;
        for (int id : ids) {
            String p = token(id);
            PieceType t = types[id];
            if (t == PieceType.BYTE && byteValue(p) >= 0) {
                bytes.write(byteValue(p));
                first = false;
                continue;
            }
            String text = spec.escapeSpaces() && t != PieceType.CONTROL ? p.replace(SPACE, ' ') : p;
            if (first && t != PieceType.CONTROL && spec.addDummyPrefix() && text.startsWith(" ")) {
                text = text.substring(1); // the dummy prefix
            }
            if (t != PieceType.CONTROL) {
                first = false;
            }
            bytes.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public OptionalInt bos() {
        return spec.bos();
    }

    @Override
    public OptionalInt eos() {
        return spec.eos();
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.length);
        }
        return pieces[id];
    }

    public PieceType type(int id) {
        token(id);
        return types[id];
    }

    public float score(int id) {
        token(id);
        return scores[id];
    }
}
