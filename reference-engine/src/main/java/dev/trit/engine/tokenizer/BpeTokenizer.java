package dev.trit.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE (GPT-2, Llama-3 families): atomic added tokens are cut out of the text first, the
 * rest is split by the pre-tokenizer regexes, each piece's UTF-8 bytes are mapped to GPT-2's byte
 * characters and merged by merge rank (lowest rank first, leftmost on ties), as tokenizers' BPE
 * model and llama.cpp's {@code llm_tokenizer_bpe} do.
 */
public final class BpeTokenizer implements Tokenizer {

    /**
     * Everything a byte-level BPE tokenizer is made of.
     *
     * @param tokens       token text by id (byte-level characters; atomic tokens as plain text)
     * @param merges       merge rules in rank order, each the pair of token texts to join
     * @param splitRegexes pre-tokenizer regex cascade (see {@link PreTokenizer})
     * @param ignoreMerges a pre-token that is itself a token is taken whole (Llama-3)
     * @param atomic       text always matched verbatim before pre-tokenization, with its id
     *                     (non-special added tokens, user-defined tokens)
     * @param special      special tokens, matched verbatim only when parsing special tokens
     * @param addBos       whether {@code encode(text, true)} puts BOS in front
     */
    public record Spec(List<String> tokens, List<String[]> merges, List<String> splitRegexes, boolean ignoreMerges,
                       Map<String, Integer> atomic, Map<String, Integer> special, OptionalInt bos, OptionalInt eos,
                       boolean addBos) {
        public Spec {
            tokens = java.util.Collections.unmodifiableList(new ArrayList<>(tokens)); // may have gaps (null)
            merges = List.copyOf(merges);
            splitRegexes = List.copyOf(splitRegexes);
            atomic = Map.copyOf(atomic);
            special = Map.copyOf(special);
            Objects.requireNonNull(bos);
            Objects.requireNonNull(eos);
        }
    }

    private static final int CACHE_LIMIT = 1 << 18;

    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    /** (left id << 32 | right id) -> (rank << 32 | merged id). */
    private final Map<Long, Long> merges;
    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final AtomicTokens atomic;
    private final AtomicTokens atomicAndSpecial;
    /** Ids whose text is plain text rather than byte-level characters. */
    private final Set<Integer> atomicIds;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final boolean addBos;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    public BpeTokenizer(Spec spec) {
        this.idToToken = spec.tokens().toArray(String[]::new);
        this.tokenToId = new HashMap<>(idToToken.length * 2);
        for (int i = 0; i < idToToken.length; i++) {
            if (idToToken[i] != null) {
                tokenToId.putIfAbsent(idToToken[i], i);
            }
        }
        this.merges = new HashMap<>(spec.merges().size() * 2);
        int rank = 0;
        for (String[] m : spec.merges()) {
            Integer a = tokenToId.get(m[0]);
            Integer b = tokenToId.get(m[1]);
            Integer ab = tokenToId.get(m[0] + m[1]);
            // A merge whose parts or result are not tokens can never produce a token: skip it.
            if (a != null && b != null && ab != null) {
                merges.putIfAbsent(((long) a << 32) | b, ((long) rank << 32) | ab);
            }
            rank++;
        }
        this.preTokenizer = new PreTokenizer(spec.splitRegexes());
        this.ignoreMerges = spec.ignoreMerges();
        this.atomic = new AtomicTokens(spec.atomic());
        Map<String, Integer> both = new HashMap<>(spec.special());
        both.putAll(spec.atomic());
        this.atomicAndSpecial = new AtomicTokens(both);
        this.atomicIds = new HashSet<>(both.values());
        this.bos = spec.bos();
        this.eos = spec.eos();
        this.addBos = spec.addBos();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && addBos && bos.isPresent()) {
            out.add(bos.getAsInt());
        }
        for (AtomicTokens.Segment seg : (parseSpecial ? atomicAndSpecial : atomic).split(text)) {
            if (seg.isToken()) {
                out.add(seg.id());
                continue;
            }
            for (String piece : preTokenizer.split(seg.text())) {
                String word = ByteLevel.encode(piece.getBytes(StandardCharsets.UTF_8));
                int[] ids = cache.get(word);
                if (ids == null) {
                    ids = encodeWord(word);
                    if (cache.size() >= CACHE_LIMIT) {
                        cache.clear();
                    }
                    cache.put(word, ids);
                }
                out.addAll(ids);
            }
        }
        return out.toArray();
    }

    private int[] encodeWord(String word) {
        if (ignoreMerges) {
            Integer whole = tokenToId.get(word);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int n = word.length();
        int[] ids = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            Integer id = tokenToId.get(String.valueOf(word.charAt(i)));
            ids[i] = id == null ? -1 : id;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap();
        for (int i = 0; i + 1 < n; i++) {
            pushPair(heap, ids, next, i);
        }
        while (!heap.isEmpty()) {
            long key = heap.pop();
            int rank = (int) (key >>> 32);
            int left = (int) key;
            int right = next[left];
            if (dead[left] || right < 0) {
                continue;
            }
            Long m = lookup(ids[left], ids[right]);
            if (m == null || (int) (m >>> 32) != rank) {
                continue; // stale: the pair at this position changed since it was queued
            }
            ids[left] = (int) (long) m;
            dead[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                pushPair(heap, ids, next, prev[left]);
            }
            if (next[left] >= 0) {
                pushPair(heap, ids, next, left);
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            if (ids[i] >= 0) {
                out.add(ids[i]);
            }
            // A byte character missing from the vocabulary yields nothing, as in tokenizers
            // without unk token or byte fallback.
        }
        return out.toArray();
    }

    private Long lookup(int a, int b) {
        if (a < 0 || b < 0) {
            return null;
        }
        return merges.get(((long) a << 32) | b);
    }

    private void pushPair(LongHeap heap, int[] ids, int[] next, int left) {
        Long m = lookup(ids[left], ids[next[left]]);
        if (m != null) {
            heap.push((m & 0xFFFFFFFF00000000L) | left);
        }
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            String t = token(id);
            if (atomicIds.contains(id)) {
                bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
                continue;
            }
            for (int i = 0; i < t.length(); i++) {
                int b = ByteLevel.byteOf(t.charAt(i));
                if (b >= 0) {
                    bytes.write(b);
                } else {
                    bytes.writeBytes(String.valueOf(t.charAt(i)).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return idToToken.length;
    }

    @Override
    public OptionalInt bos() {
        return bos;
    }

    @Override
    public OptionalInt eos() {
        return eos;
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + idToToken.length);
        }
        return idToToken[id];
    }

    /** The id of a token text, if it is one. */
    public OptionalInt id(String tokenText) {
        Integer id = tokenToId.get(tokenText);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }
}
