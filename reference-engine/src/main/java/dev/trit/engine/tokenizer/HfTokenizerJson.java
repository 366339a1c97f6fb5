package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reads a Hugging Face {@code tokenizer.json} holding a byte-level BPE model (GPT-2 / Llama-3
 * family) into a {@link BpeTokenizer}. Anything this reader would not reproduce exactly
 * (normalizers, other models or pre-tokenizers) is refused with a {@link FormatException}.
 * Added tokens are matched as written; their lstrip / rstrip / single_word flags are not applied
 * (none of the supported checkpoints sets them).
 */
public final class HfTokenizerJson {
    private static final long MAX_BYTES = 256L << 20;

    private HfTokenizerJson() {
    }

    /**
     * @param bosText BOS token text from tokenizer_config.json, or null
     * @param eosText EOS token text from tokenizer_config.json, or null
     */
    public static BpeTokenizer read(Path file, String bosText, String eosText) throws IOException {
        if (Files.size(file) > MAX_BYTES) {
            throw new FormatException(file, "tokenizer.json larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new FormatException(file, "not valid JSON: " + firstLine(e.getMessage()), e);
        }
        try {
            return parse(root, bosText, eosText);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage(), e);
        }
    }

    private static BpeTokenizer parse(JsonNode root, String bosText, String eosText) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText(null))) {
            throw new IllegalArgumentException("unsupported tokenizer model type " + model.path("type")
                    + " (only byte-level BPE is read from tokenizer.json)");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new IllegalArgumentException("BPE with byte_fallback is not byte-level BPE; use tokenizer.model");
        }
        if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
            throw new IllegalArgumentException("unsupported normalizer " + root.path("normalizer").path("type"));
        }
        for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (model.hasNonNull(f) && !model.get(f).asText().isEmpty()) {
                throw new IllegalArgumentException("unsupported BPE option " + f);
            }
        }

        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject()) {
            throw new IllegalArgumentException("model.vocab is not an object");
        }
        Map<Integer, String> byId = new HashMap<>();
        int maxId = -1;
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            int id = tokenId(e.getValue(), e.getKey());
            byId.put(id, e.getKey());
            maxId = Math.max(maxId, id);
        }
        Map<String, Integer> atomic = new HashMap<>();
        Map<String, Integer> special = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText(null);
            if (content == null) {
                throw new IllegalArgumentException("added token without content");
            }
            int id = tokenId(t.path("id"), content);
            byId.put(id, content);
            maxId = Math.max(maxId, id);
            (t.path("special").asBoolean(false) ? special : atomic).put(content, id);
        }
        List<String> tokens = new ArrayList<>(maxId + 1);
        for (int i = 0; i <= maxId; i++) {
            tokens.add(byId.get(i));
        }

        List<String[]> merges = new ArrayList<>();
        List<String> stringMerges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isTextual()) {
                stringMerges.add(m.asText());
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else {
                throw new IllegalArgumentException("merge is neither \"a b\" nor [a, b]: " + m);
            }
        }
        if (!stringMerges.isEmpty()) {
            if (!merges.isEmpty()) {
                throw new IllegalArgumentException("merges mix string and array forms");
            }
            merges = BpeTokenizer.pairs(stringMerges);
        }

        List<String> regexes = preTokenizerRegexes(root.path("pre_tokenizer"));
        Map<String, Integer> added = new HashMap<>(special);
        added.putAll(atomic);
        OptionalInt bosTemplate = templateBos(root.path("post_processor"), added);
        OptionalInt bos = bosTemplate.isPresent() ? bosTemplate : idOf(bosText, added, vocab);
        OptionalInt eos = idOf(eosText, added, vocab);
        return new BpeTokenizer(new BpeTokenizer.Spec(tokens, merges, regexes,
                model.path("ignore_merges").asBoolean(false), atomic, special, bos, eos, bosTemplate.isPresent()));
    }

    private static int tokenId(JsonNode n, String token) {
        if (!n.canConvertToInt() || n.asInt() < 0 || n.asInt() > 50_000_000) {
            throw new IllegalArgumentException("bad id " + n + " for token " + token);
        }
        return n.asInt();
    }

    private static OptionalInt idOf(String text, Map<String, Integer> atomic, JsonNode vocab) {
        if (text == null) {
            return OptionalInt.empty();
        }
        if (atomic.containsKey(text)) {
            return OptionalInt.of(atomic.get(text));
        }
        return vocab.has(text) ? OptionalInt.of(vocab.get(text).asInt()) : OptionalInt.empty();
    }

    /** The regex cascade of the pre-tokenizer, which must end in a ByteLevel step. */
    private static List<String> preTokenizerRegexes(JsonNode pre) {
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(pre.path("type").asText())) {
            pre.path("pretokenizers").forEach(steps::add);
        } else if (!pre.isMissingNode() && !pre.isNull()) {
            steps.add(pre);
        }
        List<String> regexes = new ArrayList<>();
        boolean byteLevel = false;
        for (JsonNode s : steps) {
            String type = s.path("type").asText();
            if (byteLevel) {
                throw new IllegalArgumentException("pre-tokenizer step after ByteLevel: " + type);
            }
            switch (type) {
                case "Split" -> {
                    if (!"Isolated".equals(s.path("behavior").asText()) || s.path("invert").asBoolean(false)) {
                        throw new IllegalArgumentException("unsupported Split behavior " + s.path("behavior")
                                + (s.path("invert").asBoolean(false) ? " inverted" : ""));
                    }
                    JsonNode p = s.path("pattern");
                    if (p.has("Regex")) {
                        regexes.add(p.get("Regex").asText());
                    } else if (p.has("String")) {
                        regexes.add(java.util.regex.Pattern.quote(p.get("String").asText()));
                    } else {
                        throw new IllegalArgumentException("Split without pattern");
                    }
                }
                case "ByteLevel" -> {
                    if (s.path("add_prefix_space").asBoolean(false)) {
                        throw new IllegalArgumentException("ByteLevel add_prefix_space is not supported");
                    }
                    if (s.path("use_regex").asBoolean(true)) {
                        regexes.add(PreTokenizer.GPT2);
                    }
                    byteLevel = true;
                }
                default -> throw new IllegalArgumentException("unsupported pre-tokenizer " + type);
            }
        }
        if (!byteLevel) {
            throw new IllegalArgumentException("pre-tokenizer has no ByteLevel step: not byte-level BPE");
        }
        return regexes;
    }

    /** BOS id if the single-sequence template starts with a special token. */
    private static OptionalInt templateBos(JsonNode post, Map<String, Integer> atomic) {
        if (post.isMissingNode() || post.isNull()) {
            return OptionalInt.empty();
        }
        String type = post.path("type").asText();
        if ("Sequence".equals(type)) {
            for (JsonNode p : post.path("processors")) {
                OptionalInt b = templateBos(p, atomic);
                if (b.isPresent()) {
                    return b;
                }
            }
            return OptionalInt.empty();
        }
        if (!"TemplateProcessing".equals(type)) {
            return OptionalInt.empty(); // ByteLevel post-processing only adjusts offsets
        }
        JsonNode single = post.path("single");
        if (single.isEmpty() || !single.get(0).has("SpecialToken")) {
            return OptionalInt.empty();
        }
        String name = single.get(0).get("SpecialToken").path("id").asText();
        JsonNode ids = post.path("special_tokens").path(name).path("ids");
        if (ids.size() == 1) {
            return OptionalInt.of(ids.get(0).asInt());
        }
        Integer id = atomic.get(name);
        if (id == null) {
            throw new IllegalArgumentException("template special token " + name + " has no id");
        }
        return OptionalInt.of(id);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
