package dev.trit.e2e;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code trit generate}: greedy decoding through the KV cache, from HF and GGUF models. */
class GenerateTest {
    @Test
    void greedyIsRepeatableAndContinuesThePrompt() {
        String model = Cli.FIXTURES.resolve("gguf/mini-llama-q8_0.gguf").toString();
        Cli a = Cli.run("generate", model, "-p", "In 1998 , the", "-n", "12");
        Cli b = Cli.run("generate", model, "-p", "In 1998 , the", "-n", "12");
        assertEquals(0, a.exitCode(), a::toString);
        assertTrue(a.out().startsWith("In 1998 , the"), a::toString);
        assertTrue(a.out().strip().length() > "In 1998 , the".length(), a::toString);
        assertEquals(a.out(), b.out());
    }

    @Test
    void badUsage() {
        String model = Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString();
        assertEquals(2, Cli.run("generate", model).exitCode());
        assertEquals(2, Cli.run("generate", model, "-p", "x", "-n", "0").exitCode());
        assertEquals(2, Cli.run("generate", model, "-p", "x", "--top-p", "2", "--temperature", "1").exitCode());
    }
}
