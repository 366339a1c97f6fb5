package dev.trit.engine.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine against Python Jinja2 in transformers' chat-template environment, one feature per case:
 * {@code jinja-cases.json} holds each template, its inputs and what Jinja2 rendered (or that it
 * failed), made by {@code scripts/chat_template_cases.py}. A case Jinja2 rejects must be rejected;
 * one marked {@code engine_rejects} renders in Jinja2 but the engine refuses it rather than render
 * it differently; every other case must render byte for byte.
 */
class ChatTemplateJinjaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    List<DynamicTest> rendersAsJinja2() throws IOException {
        JsonNode root;
        try (InputStream in = ChatTemplateJinjaTest.class.getResourceAsStream("jinja-cases.json")) {
            root = JSON.readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> check(c)));
        }
        assertFalse(tests.isEmpty());
        return tests;
    }

    private static void check(JsonNode c) throws IOException {
        String template = c.get("template").asText();
        List<Map<String, Object>> messages = JSON.convertValue(c.get("messages"), new TypeReference<>() {
        });
        Map<String, Object> kwargs = JSON.convertValue(c.get("kwargs"), new TypeReference<>() {
        });
        if (c.has("expected") && !c.has("engine_rejects")) {
            String rendered = ChatTemplate.of(template, Map.of()).renderMaps(messages, true, kwargs);
            assertEquals(c.get("expected").asText(), rendered);
            return;
        }
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.of(template, Map.of()).renderMaps(messages, true, kwargs));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        if (c.has("python_error") && c.get("python_error").asText().startsWith("TemplateError: ")) {
            String raised = c.get("python_error").asText().substring("TemplateError: ".length());
            assertTrue(e.getMessage().contains(raised), e.getMessage());
        }
    }

    @Test
    void noneValuesAreRefusedNotRenderedAsUndefined() {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("role", "assistant");
        m.put("content", null);
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.of("{{ messages[0].content is defined }}", Map.of()).renderMaps(List.of(m), false, Map.of()));
        assertTrue(e.getMessage().contains("None"), e.getMessage());
    }

    @Test
    void specialTokensAndMessageRecords() throws IOException {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}"
                + "{% if add_generation_prompt %}[assistant]{% endif %}", Map.of("bos_token", "<s>", "eos_token", "</s>"));
        List<ChatTemplate.Message> chat = List.of(new ChatTemplate.Message("system", "S"), new ChatTemplate.Message("user", "U"));
        assertEquals("<s>[system]S</s>[user]U</s>[assistant]", t.render(chat, true));
        assertEquals("<s>[system]S</s>[user]U</s>", t.render(chat, false));
    }
}
