package dev.trit.converters;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.GgufArray;
import dev.trit.formats.BpeMerges;
import dev.trit.formats.GgufValue;
import dev.trit.formats.GgufValueType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face tokenizer files rebuilt from GGUF {@code tokenizer.ggml.*} metadata, for GGUFs that do
 * not carry trit's copies of the originals (files written by llama.cpp): model "llama" becomes a
 * SentencePiece {@code tokenizer.model} (BPE, byte fallback, identity normalizer with dummy prefix and
 * escaped whitespace, as Llama-2 style models and llama.cpp's SPM tokenizer assume), model "gpt2" a
 * byte-level BPE {@code tokenizer.json} (Llama-3 split regex for pre "llama-bpe"). Both get a
 * tokenizer_config.json naming the special tokens and the add_bos/add_eos flags.
 */
final class GgufTokenizerFiles {
    private static final int CONTROL = 3;

    private GgufTokenizerFiles() {
    }

    static Map<String, byte[]> files(Map<String, GgufValue> kv) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        GgufValue model = kv.get("tokenizer.ggml.model"), tokensV = kv.get("tokenizer.ggml.tokens");
        if (model == null || tokensV == null || !HfTokenizer.isStringArray(tokensV)) return out;
        List<String> tokens = tokensV.asArray().strings();
        int[] types = ints(kv.get("tokenizer.ggml.token_type"), tokens.size(), 1);
        int bos = id(kv, "tokenizer.ggml.bos_token_id"), eos = id(kv, "tokenizer.ggml.eos_token_id"), unk = id(kv, "tokenizer.ggml.unknown_token_id");
        JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        ObjectNode cfg = json.createObjectNode();
        switch (model.asString()) {
            case "llama" -> {
                float[] scores = floats(kv.get("tokenizer.ggml.scores"), tokens.size());
                out.put("tokenizer.model", sentencePiece(tokens, scores, types, unk, bos, eos));
                cfg.put("tokenizer_class", "LlamaTokenizer");
                cfg.put("legacy", true);
            }
            case "gpt2" -> {
                out.put("tokenizer.json", json.writeValueAsBytes(bpeJson(json, kv, tokens, types)));
                cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
            }
            default -> {
                return out;
            }
        }
        if (bos >= 0 && bos < tokens.size()) cfg.put("bos_token", tokens.get(bos));
        if (eos >= 0 && eos < tokens.size()) cfg.put("eos_token", tokens.get(eos));
        if (unk >= 0 && unk < tokens.size()) cfg.put("unk_token", tokens.get(unk));
        GgufValue ab = kv.get("tokenizer.ggml.add_bos_token"), ae = kv.get("tokenizer.ggml.add_eos_token");
        if (ab != null && ab.type() == GgufValueType.BOOL) cfg.put("add_bos_token", ab.asBoolean());
        if (ae != null && ae.type() == GgufValueType.BOOL) cfg.put("add_eos_token", ae.asBoolean());
        GgufValue tpl = kv.get("tokenizer.chat_template");
        if (tpl != null && tpl.type() == GgufValueType.STRING) cfg.put("chat_template", tpl.asString());
        out.put("tokenizer_config.json", json.writeValueAsBytes(cfg));
        return out;
    }

    private static ObjectNode bpeJson(JsonMapper json, Map<String, GgufValue> kv, List<String> tokens, int[] types) {
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < tokens.size(); i++) {
            if (types[i] != CONTROL) continue;
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", tokens.get(i));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putNull("normalizer");
        GgufValue pre = kv.get("tokenizer.ggml.pre");
        boolean llama3 = pre != null && pre.type() == GgufValueType.STRING && pre.asString().equals("llama-bpe");
        ObjectNode byteLevel = json.createObjectNode();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", !llama3);
        if (llama3) {
            ObjectNode seq = root.putObject("pre_tokenizer");
            seq.put("type", "Sequence");
            ArrayNode list = seq.putArray("pretokenizers");
            ObjectNode split = list.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", HfTokenizer.LLAMA3_SPLIT);
            split.put("behavior", "Isolated");
            split.put("invert", false);
            list.add(byteLevel);
        } else {
            root.set("pre_tokenizer", byteLevel);
        }
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode m = root.putObject("model");
        m.put("type", "BPE");
        m.putNull("dropout");
        m.putNull("unk_token");
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", false);
        m.put("byte_fallback", false);
        m.put("ignore_merges", llama3);
        ObjectNode vocab = m.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) if (types[i] != 5 && !vocab.has(tokens.get(i))) vocab.put(tokens.get(i), i); // all but UNUSED padding, as tokenizers lists added tokens in the vocab too
        ArrayNode merges = m.putArray("merges");
        GgufValue mv = kv.get("tokenizer.ggml.merges");
        if (mv != null && HfTokenizer.isStringArray(mv)) {
            for (String s : mv.asArray().strings()) {
                // split as llama.cpp reads its merges (at the first space after the first character); one
                // without such a space joins nothing there (an empty pair) and is left out, as the engine does
                if (s.indexOf(' ', 1) < 0) continue;
                String[] p = BpeMerges.pair(s);
                merges.addArray().add(p[0]).add(p[1]);
            }
        }
        return root;
    }

    /** sentencepiece_model.proto ModelProto: pieces (1), trainer_spec (2), normalizer_spec (3). */
    static byte[] sentencePiece(List<String> pieces, float[] scores, int[] types, int unk, int bos, int eos) {
        Proto top = new Proto();
        for (int i = 0; i < pieces.size(); i++) {
            Proto p = new Proto();
            p.bytes(1, pieces.get(i).getBytes(StandardCharsets.UTF_8));
            p.fixed32(2, Float.floatToRawIntBits(scores[i]));
            p.varint(3, types[i]);
            top.bytes(1, p.toByteArray());
        }
        Proto trainer = new Proto();
        trainer.varint(3, 2); // model_type BPE
        trainer.varint(35, 1); // byte_fallback
        trainer.varint(40, unk);
        trainer.varint(41, bos);
        trainer.varint(42, eos);
        top.bytes(2, trainer.toByteArray());
        Proto norm = new Proto();
        norm.bytes(1, "identity".getBytes(StandardCharsets.UTF_8));
        norm.varint(3, 1); // add_dummy_prefix
        norm.varint(4, 0); // remove_extra_whitespaces
        norm.varint(5, 1); // escape_whitespaces
        top.bytes(3, norm.toByteArray());
        return top.toByteArray();
    }

    private static int id(Map<String, GgufValue> kv, String key) {
        GgufValue v = kv.get(key);
        return v != null && v.type().isInteger() ? (int) v.asLong() : -1;
    }

    private static int[] ints(GgufValue v, int n, int fill) {
        int[] r = new int[n];
        java.util.Arrays.fill(r, fill);
        if (v == null || v.type() != GgufValueType.ARRAY) return r;
        GgufArray a = v.asArray();
        for (int i = 0; i < Math.min(n, a.size()); i++) r[i] = (int) a.integer(i);
        return r;
    }

    private static float[] floats(GgufValue v, int n) {
        float[] r = new float[n];
        if (v == null || v.type() != GgufValueType.ARRAY) return r;
        GgufArray a = v.asArray();
        for (int i = 0; i < Math.min(n, a.size()); i++) r[i] = (float) a.real(i);
        return r;
    }

    /** Protobuf wire format, the few field kinds a ModelProto needs. */
    private static final class Proto extends ByteArrayOutputStream {
        void tag(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }

        void varint(int field, long v) {
            tag(field, 0);
            raw(v); // negative int32 values take 10 bytes, as protobuf encodes them
        }

        void fixed32(int field, int v) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) write((v >>> (8 * i)) & 0xFF);
        }

        void bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            write(b, 0, b.length);
        }
    }
}
