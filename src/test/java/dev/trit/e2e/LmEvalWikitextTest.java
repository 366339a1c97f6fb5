package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code trit ppl --protocol lm-eval-wikitext}: lm-evaluation-harness's wikitext task from the command line,
 * on the bundled demo BitNet and the WikiText-2 test file, limited to its first document (CI budget).
 */
class LmEvalWikitextTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString();
    private static final String TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt").toString();

    @Test
    void firstDocumentMetrics() throws Exception {
        Cli r = Cli.run("ppl", MODEL, TEXT, "--protocol", "lm-eval-wikitext", "--max-docs", "1", "--ctx", "256", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode o = JSON.readTree(r.out());
        assertEquals(1, o.get("documents").asInt());
        assertEquals(62, o.get("documents_in_text").asInt());
        // process_results of the harness on the first article " = Robert <unk> = ...": its page before detokenization
        assertEquals(1093, o.get("words").asLong());
        assertEquals(5456, o.get("bytes").asLong());
        int tokens = o.get("tokens").asInt();
        // every token of the detokenized page is predicted once, in ceil(tokens / 256) windows
        assertEquals((tokens + 255) / 256, o.get("windows").asInt());
        assertEquals(256, o.get("ctx").asInt());
        assertEquals(0, o.get("prefix_token").asInt(), "BOS <|begin_of_text|>");
        double nll = o.get("nll_sum").asDouble();
        assertEquals(Math.exp(nll / 1093), o.get("word_perplexity").asDouble(), 1e-9 * o.get("word_perplexity").asDouble());
        assertEquals(Math.exp(nll / 5456), o.get("byte_perplexity").asDouble(), 1e-12);
        assertEquals(nll / (Math.log(2) * 5456), o.get("bits_per_byte").asDouble(), 1e-12);
        // a trained model: well below chance (log2 of 4096 tokens per ~3 bytes), well above zero
        assertTrue(o.get("bits_per_byte").asDouble() > 0.5 && o.get("bits_per_byte").asDouble() < 4, o::toString);

        // the tokenizer's own BOS in front of the document (harness >= 0.4.9.2): one token more, scored too
        Cli b = Cli.run("ppl", MODEL, TEXT, "--protocol", "lm-eval-wikitext", "--max-docs", "1", "--ctx", "256", "--json", "--doc-bos");
        assertEquals(0, b.exitCode(), b::toString);
        JsonNode ob = JSON.readTree(b.out());
        assertEquals(tokens + 1, ob.get("tokens").asInt());
        assertEquals(1093, ob.get("words").asLong());

        Cli text = Cli.run("ppl", MODEL, TEXT, "--protocol", "lm-eval-wikitext", "--max-docs", "1", "--ctx", "256");
        assertEquals(0, text.exitCode(), text::toString);
        assertTrue(text.out().startsWith("word_perplexity "), text::toString);
        assertTrue(text.out().contains("bits_per_byte"), text::toString);
    }

    @Test
    void windowProtocolsReportBitsPerByte() throws Exception {
        Cli r = Cli.run("ppl", MODEL, TEXT, "--max-windows", "2", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode o = JSON.readTree(r.out());
        double sum = o.get("nll_mean").asDouble() * o.get("tokens").asInt();
        long bytes = o.get("bytes").asLong();
        assertEquals(sum / (Math.log(2) * bytes), o.get("bits_per_byte").asDouble(), 1e-9);
        // 510 tokens of WikiText decode to a few bytes each
        assertTrue(bytes > 2 * 510 && bytes < 8 * 510, o::toString);
    }

    @Test
    void badOptions() {
        assertEquals(2, Cli.run("ppl", MODEL, TEXT, "--protocol", "lm-eval-wikitext", "--max-windows", "3").exitCode());
        assertEquals(2, Cli.run("ppl", MODEL, TEXT, "--protocol", "lm-eval-wikitext", "--max-docs", "-1").exitCode());
        assertEquals(2, Cli.run("ppl", MODEL, TEXT, "--protocol", "lm-eval-wikitext", "--max-docs", "1", "--ctx", "4096").exitCode());
        assertEquals(2, Cli.run("ppl", MODEL, TEXT, "--max-docs", "1").exitCode());
        Cli missing = Cli.run("ppl", MODEL, TEXT + ".nope", "--protocol", "lm-eval-wikitext");
        assertEquals(1, missing.exitCode(), missing::toString);
        assertFalse(missing.err().isEmpty());
    }
}
