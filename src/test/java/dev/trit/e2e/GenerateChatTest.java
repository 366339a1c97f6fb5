package dev.trit.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code trit generate --chat}: the prompt rendered by the model's chat template, the reply alone. */
class GenerateChatTest {
    @TempDir
    Path tmp;

    @Test
    void modelWithoutChatTemplateFailsWithOneLine() {
        String model = Cli.FIXTURES.resolve("hf/demo-llama-f16").toString();
        Cli r = Cli.run("generate", model, "--chat", "-p", "Hello", "-n", "4");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().startsWith("trit: ") && r.err().contains("no chat template"), r::toString);
    }

    @Test
    void systemNeedsChat() {
        String model = Cli.FIXTURES.resolve("hf/demo-llama-f16").toString();
        assertEquals(2, Cli.run("generate", model, "-p", "x", "--system", "be brief").exitCode());
    }

    /** The bundled demo model with a chat template and generation_config.json added beside it. */
    private Path chatModel(String template) throws IOException {
        Path src = Cli.FIXTURES.resolve("hf/demo-llama-f16");
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, tmp.resolve(f.getFileName()));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(tmp.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", template);
        json.writeValue(tmp.resolve("tokenizer_config.json").toFile(), config);
        Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": [1]}");
        return tmp;
    }

    @Test
    void chatRepliesAloneAndRepeatably() throws IOException {
        Path model = chatModel("{{ bos_token }}{% for m in messages %}{{ m.role | capitalize }}: {{ m.content | trim }}\n{% endfor %}"
                + "{% if add_generation_prompt %}Assistant:{% endif %}");
        Cli a = Cli.run("generate", model.toString(), "--chat", "--system", "Be brief.", "-p", "What is a ternary weight?", "-n", "8");
        Cli b = Cli.run("generate", model.toString(), "--chat", "--system", "Be brief.", "-p", "What is a ternary weight?", "-n", "8");
        assertEquals(0, a.exitCode(), a::toString);
        assertFalse(a.out().contains("ternary weight?"), a::toString); // the prompt is not echoed
        assertEquals(a.out(), b.out());
        Cli plain = Cli.run("generate", model.toString(), "-p", "What is a ternary weight?", "-n", "8");
        assertEquals(0, plain.exitCode(), plain::toString);
        assertTrue(plain.out().startsWith("What is a ternary weight?"), plain::toString);
    }

    @Test
    void templateErrorsAreOneLine() throws IOException {
        Path model = chatModel("{% if messages[0].role != 'system' %}{{ raise_exception('System message required') }}{% endif %}x");
        Cli r = Cli.run("generate", model.toString(), "--chat", "-p", "Hi", "-n", "2");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().contains("System message required"), r::toString);
    }
}
