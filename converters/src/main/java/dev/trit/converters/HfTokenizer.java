package dev.trit.converters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.trit.formats.BpeMerges;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgufArray;
import dev.trit.formats.GgufValue;
import dev.trit.formats.GgufValueType;
import dev.trit.formats.HfConfig;
import dev.trit.formats.SentencePieceModelFile;
import dev.trit.formats.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face tokenizer as GGUF {@code tokenizer.ggml.*} metadata, the way llama.cpp's
 * convert_hf_to_gguf.py writes it: a SentencePiece {@code tokenizer.model} as model "llama", pre
 * "default" (_set_vocab_sentencepiece: pieces, scores, piece types); a byte-level BPE
 * {@code tokenizer.json} as model "gpt2" (_set_vocab_gpt2: tokens by id, added special tokens as
 * CONTROL, merges "a b"), pre "llama-bpe" for the Llama-3 split regex. Special token ids come from
 * config.json, add_bos/add_eos from tokenizer_config.json when it says (gguf-py's SpecialVocab).
 */
final class HfTokenizer {
    private static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
    static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private HfTokenizer() {
    }

    static Map<String, GgufValue> ggufMetadata(Path dir, HfConfig c, Optional<TokenizerConfig> tc) throws IOException {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        Path spm = dir.resolve("tokenizer.model"), json = dir.resolve("tokenizer.json");
        Integer unk = null;
        if (Files.isRegularFile(spm)) {
            SentencePieceModelFile m = SentencePieceModelFile.read(spm);
            List<String> tokens = new ArrayList<>(m.pieces());
            float[] scores = Arrays.copyOf(m.scores(), Math.max(c.vocabSize(), tokens.size()));
            int[] types = Arrays.copyOf(m.types(), scores.length);
            // Like _set_vocab_sentencepiece: pad to vocab_size with [PADi] UNUSED pieces (score 0 is
            // what gguf-py writes for them, -1000 only for added tokens).
            for (int i = tokens.size(); i < scores.length; i++) {
                tokens.add("[PAD" + i + "]");
                types[i] = UNUSED;
                scores[i] = -1000f;
            }
            kv.put("tokenizer.ggml.model", GgufValue.string("llama"));
            kv.put("tokenizer.ggml.pre", GgufValue.string("default"));
            kv.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(tokens)));
            kv.put("tokenizer.ggml.scores", GgufValue.array(GgufArray.ofFloats(scores)));
            kv.put("tokenizer.ggml.token_type", GgufValue.array(GgufArray.ofInts(types)));
            if (m.unkId() >= 0) unk = m.unkId();
        } else if (Files.isRegularFile(json)) {
            JsonNode root = JsonMapper.builder().build().readTree(json.toFile());
            JsonNode model = root.path("model");
            if (!model.path("type").asText().equals("BPE")) {
                throw new FormatException(json, "tokenizer model " + model.path("type").asText() + " is not BPE; only SentencePiece and byte-level BPE tokenizers convert");
            }
            int n = c.vocabSize();
            if (model.path("byte_fallback").asBoolean(false)) {
                unk = sentencePieceBpe(json, root, n, kv);
                return finish(kv, json, c, tc, unk);
            }
            String[] tokens = new String[n];
            int[] types = new int[n];
            for (var e : model.path("vocab").properties()) {
                int id = e.getValue().asInt();
                if (id < 0 || id >= n) throw new FormatException(json, "token id " + id + " is outside vocab_size " + n);
                tokens[id] = e.getKey();
                types[id] = NORMAL;
            }
            for (JsonNode a : root.path("added_tokens")) {
                int id = a.path("id").asInt();
                if (id < 0 || id >= n) continue;
                tokens[id] = a.path("content").asText();
                types[id] = a.path("special").asBoolean() ? CONTROL : USER_DEFINED;
            }
            List<String> tl = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (tokens[i] == null) {
                    tokens[i] = "[PAD" + i + "]";
                    types[i] = UNUSED;
                }
                tl.add(tokens[i]);
            }
            List<String> merges = new ArrayList<>();
            for (String[] m : merges(json, model)) merges.add(m[0] + " " + m[1]);
            kv.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
            kv.put("tokenizer.ggml.pre", GgufValue.string(root.toString().contains(jsonEscaped(LLAMA3_SPLIT)) ? "llama-bpe" : "default"));
            kv.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(tl)));
            kv.put("tokenizer.ggml.token_type", GgufValue.array(GgufArray.ofInts(types)));
            kv.put("tokenizer.ggml.merges", GgufValue.array(GgufArray.ofStrings(merges)));
        } else {
            return kv; // no tokenizer: a weights-only GGUF
        }
        return finish(kv, json, c, tc, unk);
    }

    /** The merge pairs ({@link BpeMerges}, as the engine reads them); a malformed list names the file. */
    private static List<String[]> merges(Path json, JsonNode model) throws FormatException {
        try {
            return BpeMerges.parse(model.path("merges"));
        } catch (IllegalArgumentException e) {
            throw new FormatException(json, e.getMessage());
        }
    }

    /** Special token ids, add_bos/add_eos and the chat template, after the vocabulary. */
    private static Map<String, GgufValue> finish(Map<String, GgufValue> kv, Path json, HfConfig c, Optional<TokenizerConfig> tc, Integer unk)
            throws IOException {
        if (c.bosTokenId().isPresent()) kv.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(c.bosTokenId().getAsInt()));
        if (c.eosTokenId().isPresent()) kv.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(c.eosTokenId().getAsInt()));
        if (unk != null) kv.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(unk));
        // gguf-py's SpecialVocab: without add_bos_token in tokenizer_config.json, a TemplateProcessing
        // post-processor that starts (ends) with a special token means BOS (EOS) is added.
        if ((tc.isEmpty() || tc.get().addBosToken().isEmpty()) && Files.isRegularFile(json)) {
            JsonNode pp = JsonMapper.builder().build().readTree(json.toFile()).path("post_processor");
            if (pp.path("type").asText().equals("TemplateProcessing") && pp.path("single").isArray() && !pp.path("single").isEmpty()) {
                JsonNode single = pp.path("single");
                kv.put("tokenizer.ggml.add_bos_token", GgufValue.bool(single.get(0).has("SpecialToken")));
                kv.put("tokenizer.ggml.add_eos_token", GgufValue.bool(single.size() > 1 && single.get(single.size() - 1).has("SpecialToken")));
            }
        }
        if (tc.isPresent()) {
            tc.get().addBosToken().ifPresent(b -> kv.put("tokenizer.ggml.add_bos_token", GgufValue.bool(b)));
            tc.get().addEosToken().ifPresent(b -> kv.put("tokenizer.ggml.add_eos_token", GgufValue.bool(b)));
            JsonNode tpl = tc.get().raw().get("chat_template");
            if (tpl != null && tpl.isTextual()) kv.put("tokenizer.chat_template", GgufValue.string(tpl.textValue()));
        }
        return kv;
    }

    /**
     * A SentencePiece model converted to {@code tokenizer.json} (BPE with byte_fallback, pieces with
     * "▁" for spaces: Llama 2, Mistral, TriLM) as GGUF's SentencePiece vocabulary, model "llama" and
     * pre "default", which is what convert_hf_to_gguf.py writes for a Llama with only tokenizer.json
     * (its LlamaHfVocab): tokens by id, {@code <0xNN>} pieces BYTE, special added tokens CONTROL (the
     * model's unk_token UNKNOWN, as sentencepiece marks it), other added tokens USER_DEFINED, no
     * merges. Scores: LlamaHfVocab writes a -1000 placeholder for every token, which leaves
     * llama.cpp's SPM tokenizer (it merges the highest-scoring pair first) nothing to order merges by;
     * trit writes minus the rank of the first merge that makes the token, so the highest score is
     * the earliest merge, as BPE applies them; tokens no merge makes (single characters) score below
     * every merged token, in id order, as in sentencepiece's own model; byte and control pieces 0.
     *
     * @return the unknown token's id, or null
     */
    private static Integer sentencePieceBpe(Path json, JsonNode root, int n, Map<String, GgufValue> kv) throws IOException {
        JsonNode model = root.path("model");
        String[] tokens = new String[n];
        int[] types = new int[n];
        float[] scores = new float[n];
        Map<String, Integer> ids = new java.util.HashMap<>();
        for (var e : model.path("vocab").properties()) {
            int id = e.getValue().asInt();
            if (id < 0 || id >= n) throw new FormatException(json, "token id " + id + " is outside vocab_size " + n);
            tokens[id] = e.getKey();
            types[id] = e.getKey().matches("<0x[0-9A-Fa-f]{2}>") ? BYTE : NORMAL;
            ids.put(e.getKey(), id);
        }
        int[] rank = new int[n];
        Arrays.fill(rank, -1);
        int r = 0;
        for (String[] m : merges(json, model)) {
            Integer id = ids.get(m[0] + m[1]);
            if (id != null && rank[id] < 0) rank[id] = r;
            r++;
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null || types[i] != NORMAL) continue;
            scores[i] = rank[i] >= 0 ? -(rank[i] + 1f) : -(r + 1f + i);
        }
        String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        Integer unk = null;
        for (JsonNode a : root.path("added_tokens")) {
            int id = a.path("id").asInt();
            if (id < 0 || id >= n) continue;
            tokens[id] = a.path("content").asText();
            boolean special = a.path("special").asBoolean();
            types[id] = !special ? USER_DEFINED : tokens[id].equals(unkToken) ? UNKNOWN : CONTROL;
            scores[id] = special ? 0f : -1000f;
        }
        if (unkToken != null && ids.containsKey(unkToken)) {
            unk = ids.get(unkToken);
            if (types[unk] == NORMAL || types[unk] == CONTROL) types[unk] = UNKNOWN;
            scores[unk] = 0f;
        }
        List<String> tl = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
                scores[i] = -1000f;
            }
            tl.add(tokens[i]);
        }
        kv.put("tokenizer.ggml.model", GgufValue.string("llama"));
        kv.put("tokenizer.ggml.pre", GgufValue.string("default"));
        kv.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(tl)));
        kv.put("tokenizer.ggml.scores", GgufValue.array(GgufArray.ofFloats(scores)));
        kv.put("tokenizer.ggml.token_type", GgufValue.array(GgufArray.ofInts(types)));
        return unk;
    }

    private static String jsonEscaped(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString().replaceAll("^\"|\"$", "");
    }

    static boolean isStringArray(GgufValue v) {
        return v.type() == GgufValueType.ARRAY && v.asArray().elementType() == GgufValueType.STRING;
    }
}
