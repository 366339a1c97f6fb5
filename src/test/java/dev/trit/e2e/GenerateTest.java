package dev.trit.e2e;

import dev.trit.engine.Generator;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.Sampler;
import dev.trit.engine.VectorKernels;
import dev.trit.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

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

    /**
     * The printed continuation is what transformers shows: decode(prompt + new) without the prompt's
     * decode. With SentencePiece the first new token "▁the" decodes to "the" on its own (the
     * decoder strips a text's leading space), so printing decode(new) gave "The history ofthe".
     */
    @Test
    void continuationIsTheDecodeDifferenceAndKeepsTheSpace() throws Exception {
        Path model = Cli.FIXTURES.resolve("hf/mini-llama-f16");
        String prompt = "The history of";
        int n = 8;
        Cli r = Cli.run("generate", model.toString(), "-p", prompt, "-n", String.valueOf(n), "--threads", "2");
        assertEquals(0, r.exitCode(), r::toString);

        String expected;
        String alone;
        try (Parallel p = new Parallel(2); LoadedModel m = LoadedModel.open(model, new VectorKernels(p))) {
            Tokenizer tok = m.tokenizer();
            int[] ids = tok.encode(prompt, true);
            int eos = m.config().eosTokenId();
            int[] gen = IntStream.of(new Generator(m.transformer(), new Sampler.Greedy()).generate(ids, n, null))
                    .filter(t -> t != eos).toArray();
            assertTrue(gen.length > 0);
            int[] all = IntStream.concat(Arrays.stream(ids), Arrays.stream(gen)).toArray();
            String full = tok.decode(all);
            String head = tok.decode(ids);
            assertTrue(full.startsWith(head), full);
            expected = full.substring(head.length());
            alone = tok.decode(gen);
        }
        assertTrue(expected.startsWith(" "), "continuation " + expected);
        assertFalse(alone.startsWith(" "), "decode of the new tokens alone: " + alone);
        assertEquals(prompt + expected + System.lineSeparator(), r.out(), r::toString);
        assertTrue(r.out().startsWith(prompt + " "), r::toString);
    }
}
