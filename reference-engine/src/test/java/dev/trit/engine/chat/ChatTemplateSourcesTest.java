package dev.trit.engine.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a model directory's chat template, special tokens and stop tokens come from. */
class ChatTemplateSourcesTest {
    @TempDir
    Path dir;

    private static final List<ChatTemplate.Message> HI = List.of(new ChatTemplate.Message("user", "hi"));

    @Test
    void noTemplateIsEmptyAndForModelDirSaysSoInOneLine() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        assertTrue(ChatTemplate.find(dir).isEmpty());
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.forModelDir(dir));
        assertTrue(e.getMessage().contains("no chat template") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void stringTemplateWithSpecialTokensFromBothFiles() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": "{{ bos_token }}|{{ eos_token }}|{{ additional_special_tokens|join(',') }}|{{ messages[0].content }}",
                 "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
                 "additional_special_tokens": ["<a>", {"content": "<b>"}]}""");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"eos_token\": {\"content\": \"<eot>\"}}");
        ChatTemplate t = ChatTemplate.forModelDir(dir);
        assertEquals("<s>|<eot>|<a>,<b>|hi", t.render(HI, false));
        assertFalse(t.specialTokens().containsKey("pad_token"));
    }

    @Test
    void chatTemplateJinjaWinsOverTokenizerConfig() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"config\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "jinja {{ messages|length }}\n");
        assertEquals("jinja 1", ChatTemplate.forModelDir(dir).render(HI, true));
    }

    @Test
    void namedTemplatesUseDefaultOrTheNamedOne() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": [{\"name\": \"default\", \"template\": \"D\"}, {\"name\": \"tool_use\", \"template\": \"T\"}]}");
        assertEquals("D", ChatTemplate.forModelDir(dir).render(HI, true));
        assertEquals("T", ChatTemplate.find(dir, "tool_use").orElseThrow().render(HI, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.find(dir, "rag"));
        assertTrue(e.getMessage().contains("default, tool_use"), e.getMessage());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}]}");
        assertThrows(ChatTemplateException.class, () -> ChatTemplate.forModelDir(dir));
    }

    @Test
    void stopTokensFromGenerationConfigElseConfig() throws IOException {
        assertEquals(Set.of(), StopTokens.forModelDir(dir));
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 2}");
        assertEquals(Set.of(2), StopTokens.forModelDir(dir));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [128001, 128008, 128009]}");
        assertEquals(Set.of(128001, 128008, 128009), StopTokens.forModelDir(dir));
    }

    @Test
    void templateRaisesAsOneLine() throws IOException {
        ChatTemplate t = ChatTemplate.of("{% if messages[0].role != 'system' %}{{ raise_exception('System role required\\nreally') }}{% endif %}", Map.of());
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(HI, true));
        assertTrue(e.getMessage().contains("System role required") && !e.getMessage().contains("\n"), e.getMessage());
    }
}
