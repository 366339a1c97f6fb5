package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.BpeMerges;
import dev.trit.formats.FormatException;
import dev.trit.formats.TokenizerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads a Hugging Face {@code tokenizer.json} (BPE model: byte-level like GPT-2 / Llama 3 / Qwen, or
 * with byte fallback like Llama 2 / Mistral / Gemma) into an {@link HfTokenizer}. Every
 * normalizer, pre-tokenizer, decoder, post-processor and model option that changes ids or text is
 * either implemented as tokenizers implements it or refused with a one-line {@link FormatException}.
 *
 * <p>With a {@code tokenizer_config.json}, the pipeline is the one transformers 5 runs: its
 * {@code LlamaTokenizer} and {@code GemmaTokenizer} classes build their own normalizer,
 * pre-tokenizer, decoder and BOS/EOS template (from {@code add_bos_token} / {@code add_eos_token},
 * {@code legacy}, {@code add_prefix_space}) around the file's vocabulary and merges; other classes
 * use the file as it is. Truncation and padding settings in the file are ignored, as transformers
 * resets them on every call.
 */
public final class HfTokenizerJson {
    private static final long MAX_BYTES = 256L << 20;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private HfTokenizerJson() {
    }

    /**
     * The file's own pipeline, without a tokenizer_config.json.
     *
     * @param bosText BOS token text, or null
     * @param eosText EOS token text, or null
     */
    public static HfTokenizer read(Path file, String bosText, String eosText) throws IOException {
        ObjectNode cfg = F.objectNode();
        if (bosText != null) {
            cfg.put("bos_token", bosText);
        }
        if (eosText != null) {
            cfg.put("eos_token", eosText);
        }
        return read(file, TokenizerConfig.parse(file, cfg));
    }

    /** The tokenizer transformers makes of this file and the model's tokenizer_config.json. */
    public static HfTokenizer read(Path file, TokenizerConfig cfg) throws IOException {
        if (Files.size(file) > MAX_BYTES) {
            throw new FormatException(file, "tokenizer.json larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new FormatException(file, "not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "not a JSON object");
        }
        try {
            return parse((ObjectNode) root, cfg);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, firstLine(e.getMessage()), e);
        }
    }

    private static HfTokenizer parse(ObjectNode root, TokenizerConfig cfg) {
        ObjectNode model = root.path("model").isObject() ? (ObjectNode) root.get("model") : F.objectNode();
        String modelType = model.path("type").asText("");
        if (modelType.isEmpty() && model.has("merges") && model.has("vocab")) {
            modelType = "BPE"; // early files leave the type out
        }
        if (!"BPE".equals(modelType)) {
            throw new IllegalArgumentException("unsupported tokenizer model type \"" + model.path("type").asText("") + "\" (only BPE is read)");
        }
        String cls = cfg.tokenizerClass().orElse("");
        ObjectNode post = classOverrides(root, model, cfg, cls);

        if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode() && model.path("dropout").asDouble() != 0) {
            throw new IllegalArgumentException("unsupported BPE option dropout " + model.path("dropout"));
        }
        for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (model.hasNonNull(f) && !model.get(f).asText().isEmpty()) {
                throw new IllegalArgumentException("unsupported BPE option " + f + " " + model.get(f));
            }
        }

        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject()) {
            throw new IllegalArgumentException("model.vocab is not an object");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        Map<Integer, String> byId = new HashMap<>(vocabNode.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = tokenId(e.getValue(), e.getKey());
            vocab.put(e.getKey(), id);
            byId.put(id, e.getKey());
            maxId = Math.max(maxId, id);
        }
        List<AddedTokens.Token> added = new ArrayList<>();
        Map<String, Integer> addedIds = new HashMap<>();
        Set<Integer> specialIds = new HashSet<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText(null);
            if (content == null) {
                throw new IllegalArgumentException("added token without content");
            }
            int id = tokenId(t.path("id"), content);
            boolean special = t.path("special").asBoolean(false);
            // tokenizers: added tokens are normalized unless they say otherwise (special ones never)
            boolean normalized = t.path("normalized").asBoolean(!special);
            added.add(new AddedTokens.Token(content, id, special, t.path("single_word").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), normalized));
            byId.put(id, content); // decoding looks added tokens up first
            addedIds.putIfAbsent(content, id);
            if (special) {
                specialIds.add(id);
            }
            maxId = Math.max(maxId, id);
        }
        String[] idToToken = new String[maxId + 1];
        byId.forEach((id, t) -> idToToken[id] = t);

        List<String[]> merges = BpeMerges.parse(model.path("merges"));
        String unk = model.hasNonNull("unk_token") ? model.get("unk_token").asText() : null;
        BpeModel bpe = new BpeModel(vocab, merges, unk, model.path("fuse_unk").asBoolean(false),
                model.path("byte_fallback").asBoolean(false), model.path("ignore_merges").asBoolean(false));

        HfPipeline.Norm normalizer = HfPipeline.normalizer(root.get("normalizer"));
        HfPipeline.PreTok preTokenizer = HfPipeline.preTokenizer(root.get("pre_tokenizer"));
        HfPipeline.Dec decoder = HfPipeline.decoder(root.get("decoder"));

        IntList prefix = new IntList(2);
        IntList suffix = new IntList(2);
        OptionalInt[] templateBos = {OptionalInt.empty()};
        postProcessor(post, addedIds, vocab, prefix, suffix, templateBos);
        OptionalInt bos = templateBos[0].isPresent() ? templateBos[0] : idOf(cfg.bosToken().orElse(null), addedIds, vocab);
        OptionalInt eos = idOf(cfg.eosToken().orElse(null), addedIds, vocab);
        return new HfTokenizer(new HfTokenizer.Spec(idToToken, specialIds, added, normalizer, preTokenizer, bpe,
                prefix.toArray(), suffix.toArray(), decoder, bos, eos));
    }

    /**
     * transformers 5's tokenizer classes that rebuild the pipeline around the file's vocabulary:
     * rewrites {@code root} and {@code model} accordingly and returns the post-processor to use.
     */
    private static ObjectNode classOverrides(ObjectNode root, ObjectNode model, TokenizerConfig cfg, String cls) {
        ObjectNode post = root.path("post_processor").isObject() ? (ObjectNode) root.get("post_processor") : null;
        boolean llama = cls.equals("LlamaTokenizer") || cls.equals("LlamaTokenizerFast");
        boolean gemma = cls.equals("GemmaTokenizer") || cls.equals("GemmaTokenizerFast");
        if (!llama && !gemma) {
            return post;
        }
        ArrayNode decoders = F.arrayNode();
        decoders.add(F.objectNode().put("type", "Replace").put("content", " ")
                .set("pattern", F.objectNode().put("String", "\u2581")));
        decoders.add(F.objectNode().put("type", "ByteFallback"));
        decoders.add(F.objectNode().put("type", "Fuse"));
        model.put("byte_fallback", true);
        model.put("fuse_unk", true);
        model.put("ignore_merges", false);
        model.putNull("dropout");
        if (llama) {
            // LlamaTokenizer: BPE(vocab, merges, fuse_unk, byte_fallback) without unk_token, no normalizer,
            // Metaspace pre-tokenizer, Strip decoder when a prefix space is added
            JsonNode aps = cfg.raw().get("add_prefix_space");
            boolean prefixSpace = aps == null || aps.isNull() || aps.asBoolean(); // None means True
            boolean legacy = cfg.legacy().orElse(false);
            String scheme = prefixSpace ? (legacy ? "always" : "first") : "never";
            model.putNull("unk_token");
            root.putNull("normalizer");
            root.set("pre_tokenizer", F.objectNode().put("type", "Metaspace").put("replacement", "\u2581")
                    .put("prepend_scheme", scheme).put("split", false));
            if (prefixSpace) {
                decoders.add(F.objectNode().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0));
            }
        } else {
            // GemmaTokenizer: spaces become "▁", split after each, no prefix
            model.put("unk_token", cfg.unkToken().orElse("<unk>"));
            root.set("normalizer", F.objectNode().put("type", "Replace").put("content", "\u2581")
                    .set("pattern", F.objectNode().put("String", " ")));
            root.set("pre_tokenizer", F.objectNode().put("type", "Split").put("behavior", "MergedWithPrevious")
                    .put("invert", false).set("pattern", F.objectNode().put("String", " ")));
        }
        root.set("decoder", F.objectNode().put("type", "Sequence").set("decoders", decoders));
        // update_post_processor: [bos] $A [eos] from add_bos_token (default true) / add_eos_token (default false)
        boolean addBos = cfg.addBosToken().orElse(true);
        boolean addEos = cfg.addEosToken().orElse(false);
        ArrayNode single = F.arrayNode();
        ObjectNode specials = F.objectNode();
        if (addBos) {
            String bos = cfg.bosToken().orElseThrow(() -> new IllegalArgumentException("add_bos_token but no bos_token"));
            single.add(F.objectNode().set("SpecialToken", F.objectNode().put("id", bos).put("type_id", 0)));
            specials.set(bos, F.objectNode().put("id", bos));
        }
        single.add(F.objectNode().set("Sequence", F.objectNode().put("id", "A").put("type_id", 0)));
        if (addEos) {
            String eos = cfg.eosToken().orElseThrow(() -> new IllegalArgumentException("add_eos_token but no eos_token"));
            single.add(F.objectNode().set("SpecialToken", F.objectNode().put("id", eos).put("type_id", 0)));
            specials.set(eos, F.objectNode().put("id", eos));
        }
        ObjectNode template = F.objectNode().put("type", "TemplateProcessing");
        template.set("single", single);
        template.set("special_tokens", specials);
        return template;
    }

    /** Collects the ids the post-processor puts before and after a single sequence. */
    private static void postProcessor(JsonNode post, Map<String, Integer> added, Map<String, Integer> vocab,
                                      IntList prefix, IntList suffix, OptionalInt[] bos) {
        if (post == null || post.isNull() || post.isMissingNode()) {
            return;
        }
        String type = post.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                for (JsonNode p : post.path("processors")) {
                    postProcessor(p, added, vocab, prefix, suffix, bos);
                }
            }
            case "ByteLevel" -> {
                // only trims offsets
            }
            case "TemplateProcessing" -> {
                boolean seenSequence = false;
                for (JsonNode item : post.path("single")) {
                    if (item.has("Sequence")) {
                        if (seenSequence || !"A".equals(item.get("Sequence").path("id").asText())) {
                            throw new IllegalArgumentException("unsupported TemplateProcessing single " + post.path("single"));
                        }
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.get("SpecialToken").path("id").asText();
                        int[] ids = templateIds(post.path("special_tokens").path(name), name, added, vocab);
                        if (!seenSequence && prefix.size() == 0 && ids.length == 1 && bos[0].isEmpty()) {
                            bos[0] = OptionalInt.of(ids[0]);
                        }
                        (seenSequence ? suffix : prefix).addAll(ids);
                    } else {
                        throw new IllegalArgumentException("unsupported TemplateProcessing item " + item);
                    }
                }
                if (!seenSequence) {
                    throw new IllegalArgumentException("TemplateProcessing single without $A");
                }
            }
            case "RobertaProcessing", "BertProcessing" -> {
                int cls = pairId(post.path("cls"), "cls");
                int sep = pairId(post.path("sep"), "sep");
                if (bos[0].isEmpty() && prefix.size() == 0) {
                    bos[0] = OptionalInt.of(cls);
                }
                prefix.add(cls);
                suffix.add(sep);
            }
            default -> throw new IllegalArgumentException("unsupported post-processor \"" + type + "\"");
        }
    }

    private static int[] templateIds(JsonNode special, String name, Map<String, Integer> added, Map<String, Integer> vocab) {
        JsonNode ids = special.path("ids");
        if (ids.isArray() && !ids.isEmpty()) {
            int[] out = new int[ids.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = tokenId(ids.get(i), name);
            }
            return out;
        }
        OptionalInt id = idOf(name, added, vocab);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("template special token " + name + " has no id");
        }
        return new int[] {id.getAsInt()};
    }

    private static int pairId(JsonNode pair, String what) {
        if (!pair.isArray() || pair.size() != 2) {
            throw new IllegalArgumentException("post-processor " + what + " is not [token, id]");
        }
        return tokenId(pair.get(1), pair.get(0).asText());
    }

    private static int tokenId(JsonNode n, String token) {
        if (n == null || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() > 50_000_000) {
            throw new IllegalArgumentException("bad id " + n + " for token " + token);
        }
        return n.asInt();
    }

    private static OptionalInt idOf(String text, Map<String, Integer> added, Map<String, Integer> vocab) {
        if (text == null) {
            return OptionalInt.empty();
        }
        Integer id = added.get(text);
        if (id == null) {
            id = vocab.get(text);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
