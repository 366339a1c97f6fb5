package dev.trit.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a {@code tokenizer.json} as tokenizers runs it on one pre-token: the word is split
 * into Unicode characters, each looked up in the vocabulary (a missing one becomes its
 * {@code <0xNN>} byte tokens with byte fallback, else the unknown token, consecutive unknowns fused
 * with {@code fuse_unk}, else nothing), then adjacent pairs are merged lowest merge rank first,
 * leftmost on ties. With {@code ignore_merges} a word that is itself a token is taken whole.
 */
final class BpeModel {
    private static final int CACHE_LIMIT = 1 << 18;
    /** Words longer than this are not cached (tokenizers' cache has the same kind of bound). */
    private static final int CACHE_MAX_WORD = 256;
    private static final long NO_MERGE = -1L;

    private final Map<String, Integer> vocab;
    /** (left id << 32 | right id) -> (rank << 32 | merged id). */
    private final LongLongMap merges;
    private final int unk;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final int[] byteIds = new int[256];
    /** Vocabulary ids of the BMP characters (-2 not looked up yet, -1 none). */
    private final int[] charIds = new int[0x10000];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab        the model vocabulary (token text to id)
     * @param merges       merge pairs in rank order
     * @param unkToken     the unknown token's text, or null
     */
    BpeModel(Map<String, Integer> vocab, List<String[]> merges, String unkToken, boolean fuseUnk, boolean byteFallback,
             boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = new LongLongMap(merges.size());
        int rank = 0;
        for (String[] m : merges) {
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            Integer ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                // tokenizers refuses such a file (MergeTokenOutOfVocabulary)
                throw new IllegalArgumentException("merge \"" + m[0] + " " + m[1] + "\" uses or makes a token not in the vocabulary");
            }
            // tokenizers collects the merges into a map: a repeated pair keeps its last rank
            this.merges.put(((long) a << 32) | b, ((long) rank << 32) | ab);
            rank++;
        }
        if (unkToken != null && !vocab.containsKey(unkToken)) {
            throw new IllegalArgumentException("unk_token " + unkToken + " is not in the vocabulary");
        }
        this.unk = unkToken == null ? -1 : vocab.get(unkToken);
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        java.util.Arrays.fill(charIds, -2);
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.format("<0x%02X>", b));
            byteIds[b] = id == null ? -1 : id;
        }
        if (byteFallback) {
            for (int id : byteIds) {
                if (id < 0) {
                    throw new IllegalArgumentException("byte_fallback but the vocabulary lacks some of <0x00>..<0xFF>");
                }
            }
        }
    }

    /** Appends the ids of one pre-token. */
    void encode(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (word.length() > CACHE_MAX_WORD) {
            out.addAll(encodeWord(word));
            return;
        }
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

    private int charId(String word, int i, int cp) {
        if (cp < 0x10000) {
            int id = charIds[cp];
            if (id == -2) {
                Integer v = vocab.get(String.valueOf((char) cp));
                id = v == null ? -1 : v;
                charIds[cp] = id;
            }
            return id;
        }
        Integer v = vocab.get(word.substring(i, i + 2));
        return v == null ? -1 : v;
    }

    int[] encodeWord(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        // initial symbols
        IntList sym = new IntList(word.length());
        int pendingUnk = -1; // tokenizers keeps one unknown pending and flushes it at the next known character
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            int id = charId(word, i, cp);
            if (id >= 0) {
                if (pendingUnk >= 0) {
                    sym.add(pendingUnk);
                    pendingUnk = -1;
                }
                sym.add(id);
            } else if (byteFallback) {
                for (byte b : word.substring(i, i + len).getBytes(StandardCharsets.UTF_8)) {
                    sym.add(byteIds[b & 0xFF]);
                }
            } else if (unk >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    sym.add(pendingUnk);
                }
                pendingUnk = unk;
            }
            i += len;
        }
        if (pendingUnk >= 0) {
            sym.add(pendingUnk);
        }
        int n = sym.size();
        int[] ids = sym.toArray();
        if (n < 2) {
            return ids;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap();
        for (int i = 0; i + 1 < n; i++) {
            pushPair(heap, ids, next, i);
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long key = heap.pop();
            int left = (int) key;
            int right = next[left];
            if (dead[left] || right < 0) {
                continue;
            }
            long m = merges.get(((long) ids[left] << 32) | ids[right], NO_MERGE);
            if (m == NO_MERGE || (m >>> 32) != (key >>> 32)) {
                continue; // stale: the pair at this position changed since it was queued
            }
            ids[left] = (int) m;
            dead[right] = true;
            alive--;
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
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = ids[i];
        }
        return out;
    }

    private void pushPair(LongHeap heap, int[] ids, int[] next, int left) {
        long m = merges.get(((long) ids[left] << 32) | ids[next[left]], NO_MERGE);
        if (m != NO_MERGE) {
            heap.push((m & 0xFFFFFFFF00000000L) | left);
        }
    }
}
