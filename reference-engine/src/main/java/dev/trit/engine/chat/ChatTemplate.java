package dev.trit.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;

/**
 * A model's chat template, rendered as transformers' {@code apply_chat_template} renders it.
 *
 * <p>Where the template comes from (transformers' order): {@code chat_template.jinja} in the model
 * directory, named templates in {@code additional_chat_templates/NAME.jinja}, else the
 * {@code chat_template} of {@code tokenizer_config.json} (a string, or a list of
 * {@code {"name", "template"}}), else {@code chat_template.json}. With several named templates the one
 * called "default" is used unless a name is given.
 *
 * <p>The template sees {@code messages}, {@code add_generation_prompt}, the special tokens of
 * tokenizer_config.json (and special_tokens_map.json, which wins, as in transformers):
 * {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code pad_token},
 * {@code cls_token}, {@code mask_token}, {@code additional_special_tokens}, and any extra keyword
 * arguments (e.g. {@code date_string}, {@code enable_thinking}). {@code tools} and {@code documents}
 * are left undefined (transformers passes None, which Jinja tests the same way in {@code if tools},
 * {@code tools is none} and {@code tools is not defined}-with-default templates).
 *
 * <p>A template the engine cannot render faithfully fails with a {@link ChatTemplateException}
 * whose message is one line; it never yields a prompt that differs silently.
 */
public final class ChatTemplate {
    /** Special-token attributes of transformers tokenizers, passed to the template by name. */
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    private final String name;
    private final String source;
    private final String adapted;
    private final Map<String, Object> specialTokens;

    private ChatTemplate(String name, String source, Map<String, Object> specialTokens) throws ChatTemplateException {
        this.name = name;
        this.source = source;
        Set<String> filters = new TreeSet<>();
        this.adapted = TemplateSource.adapt(source, filters);
        for (String f : filters) {
            if (!JinjaEnvironment.hasFilter(f)) throw new ChatTemplateException("chat template: filter \"" + f + "\" not supported by the template engine");
        }
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /** A template from its source text and the special tokens it may refer to. */
    public static ChatTemplate of(String source, Map<String, ?> specialTokens) throws ChatTemplateException {
        return new ChatTemplate("default", source, new LinkedHashMap<>(specialTokens));
    }

    /** The default chat template of a HF model directory, or empty when it has none. */
    public static Optional<ChatTemplate> find(Path dir) throws IOException {
        return find(dir, null);
    }

    /**
     * The chat template called {@code name} (null: the default) of a HF model directory, or empty
     * when the directory has no chat template at all.
     */
    public static Optional<ChatTemplate> find(Path dir, String name) throws IOException {
        Map<String, String> named = new TreeMap<>();
        String single = null;
        ObjectMapper json = new ObjectMapper();
        JsonNode config = readJson(json, dir.resolve("tokenizer_config.json"));
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) single = Files.readString(jinja, StandardCharsets.UTF_8);
        Path extra = dir.resolve("additional_chat_templates");
        if (Files.isDirectory(extra)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(extra, "*.jinja")) {
                for (Path p : ds) {
                    String f = p.getFileName().toString();
                    named.put(f.substring(0, f.length() - ".jinja".length()), Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        }
        if (single == null && named.isEmpty()) {
            JsonNode t = config.get("chat_template");
            if (t == null || t.isNull()) {
                JsonNode legacy = readJson(json, dir.resolve("chat_template.json")).get("chat_template");
                if (legacy != null && legacy.isTextual()) single = legacy.textValue();
            } else if (t.isTextual()) {
                single = t.textValue();
            } else if (t.isArray()) {
                for (JsonNode e : t) {
                    if (!e.path("name").isTextual() || !e.path("template").isTextual()) {
                        throw new ChatTemplateException(dir.resolve("tokenizer_config.json") + ": chat_template list entries need a \"name\" and a \"template\" string");
                    }
                    named.put(e.get("name").textValue(), e.get("template").textValue());
                }
            } else {
                throw new ChatTemplateException(dir.resolve("tokenizer_config.json") + ": chat_template is neither a string nor a list of named templates");
            }
        }
        if (single != null) named.putIfAbsent("default", single);
        if (named.isEmpty()) return Optional.empty();
        String chosen = name != null ? name : "default";
        String source = named.get(chosen);
        if (source == null) {
            throw new ChatTemplateException(dir + ": " + (name == null ? "several chat templates and none called \"default\"" : "no chat template called \"" + name + "\"")
                    + " (there are: " + String.join(", ", named.keySet()) + ")");
        }
        return Optional.of(new ChatTemplate(chosen, source, specialTokens(config, readJson(json, dir.resolve("special_tokens_map.json")))));
    }

    /** The default chat template of a HF model directory; a one-line error when there is none. */
    public static ChatTemplate forModelDir(Path dir) throws IOException {
        return find(dir).orElseThrow(() -> new ChatTemplateException(dir
                + ": the model has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja)"));
    }

    private static JsonNode readJson(ObjectMapper json, Path file) throws IOException {
        if (!Files.isRegularFile(file)) return json.createObjectNode();
        try {
            JsonNode n = json.readTree(file.toFile());
            return n != null && n.isObject() ? n : json.createObjectNode();
        } catch (IOException e) {
            throw new ChatTemplateException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static Map<String, Object> specialTokens(JsonNode config, JsonNode specialTokensMap) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (JsonNode src : List.of(config, specialTokensMap)) {
            for (String key : SPECIAL_TOKENS) {
                String v = tokenText(src.get(key));
                if (v != null) out.put(key, v);
            }
            JsonNode extra = src.get("additional_special_tokens");
            if (extra != null && extra.isArray()) {
                List<String> list = new ArrayList<>();
                for (JsonNode e : extra) {
                    String v = tokenText(e);
                    if (v != null) list.add(v);
                }
                out.put("additional_special_tokens", List.copyOf(list));
            }
        }
        return out;
    }

    private static String tokenText(JsonNode v) {
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return v.textValue();
        JsonNode c = v.get("content");
        return c != null && c.isTextual() ? c.textValue() : null;
    }

    /** One chat message. */
    public record Message(String role, String content) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", role);
            m.put("content", content);
            return m;
        }
    }

    /** {@code apply_chat_template(messages, add_generation_prompt=..., tokenize=False)}. */
    public String render(List<Message> messages, boolean addGenerationPrompt) throws ChatTemplateException {
        return renderMaps(messages.stream().map(Message::asMap).toList(), addGenerationPrompt, Map.of());
    }

    /**
     * {@code apply_chat_template(messages, add_generation_prompt=..., tokenize=False, **kwargs)} with
     * messages as JSON-like maps (strings, numbers, booleans, null, lists, maps).
     */
    public String renderMaps(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> kwargs)
            throws ChatTemplateException {
        Map<String, Object> bindings = new LinkedHashMap<>(specialTokens);
        bindings.putAll(kwargs);
        noNulls("messages", messages);
        noNulls("arguments", kwargs);
        bindings.put("messages", List.copyOf(messages));
        bindings.put("add_generation_prompt", addGenerationPrompt);
        return JinjaEnvironment.render(adapted, bindings);
    }

    /**
     * Jinjava cannot tell a None value from a missing one ({@code x is defined} is false for both),
     * where Jinja says None is defined: rather than render such a message differently, refuse it.
     */
    private static void noNulls(String where, Object v) throws ChatTemplateException {
        switch (v) {
            case null -> throw new ChatTemplateException("chat template: None values (null) in the " + where + " are not supported by the template engine");
            case Map<?, ?> m -> {
                for (Object e : m.values()) noNulls(where, e);
            }
            case java.util.Collection<?> c -> {
                for (Object e : c) noNulls(where, e);
            }
            default -> {
            }
        }
    }

    /**
     * {@code apply_chat_template(..., tokenize=True)}: the rendered text encoded with no special tokens
     * added and the text of special tokens read as those tokens.
     */
    public static int[] encode(Tokenizer tokenizer, String rendered) {
        return tokenizer.encode(rendered, false, true);
    }

    public String name() {
        return name;
    }

    /** The template text as the model ships it. */
    public String source() {
        return source;
    }

    /** The special tokens (and lists of them) the template sees, by name. */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }
}
