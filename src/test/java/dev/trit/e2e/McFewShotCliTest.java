package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.trit.e2e.EvalCommandsTest.MINI_LLAMA;
import static dev.trit.e2e.EvalCommandsTest.json;
import static org.junit.jupiter.api.Assertions.*;

/** trit mc --num-fewshot on the bundled mini model and the real PIQA/HellaSwag excerpts. */
class McFewShotCliTest {
    static final Path PIQA = Cli.FIXTURES.resolve("data/piqa/valid-first200.jsonl");
    static final Path HELLASWAG = Cli.FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt");

    @Test
    void zeroShotIsTheCurrentRunAndKShotRuns(@TempDir Path dir) throws IOException {
        JsonNode plain = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", PIQA.toString(), "--limit", "4", "--json", "--threads", "2"));
        JsonNode zero = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", PIQA.toString(), "--limit", "4", "--json", "--threads", "2",
                "--num-fewshot", "0"));
        assertEquals(plain.get("metrics"), zero.get("metrics"));
        assertEquals(plain.get("items"), zero.get("items"));
        assertEquals(0, zero.get("num_fewshot").asInt());

        // PIQA's train split is not in the fixtures: the validation excerpt stands in for it, given explicitly.
        Path train = dir.resolve("train.jsonl");
        Files.copy(PIQA, train);
        Files.copy(Cli.FIXTURES.resolve("data/piqa/valid-first200-labels.lst"), dir.resolve("train-labels.lst"));
        JsonNode two = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", PIQA.toString(), "--limit", "4", "--json", "--threads", "2",
                "--num-fewshot", "2", "--fewshot-data", train.toString()));
        assertEquals(2, two.get("num_fewshot").asInt());
        assertEquals(1234, two.get("fewshot_seed").asInt());
        // random.Random(1234).sample over 200 docs, 3 at a time (McFewShotTest has the prompt strings)
        assertEquals("[199,112]", two.get("items").get(0).get("fewshot").toString());
        assertEquals("[23,149]", two.get("items").get(1).get("fewshot").toString());
        for (int i = 0; i < 4; i++) {
            JsonNode a = plain.get("items").get(i), b = two.get("items").get(i);
            assertEquals(a.get("gold"), b.get("gold"));
            // Same continuations, scored in a longer context: same token counts, other log-likelihoods.
            assertEquals(a.get("tokens"), b.get("tokens"));
            assertNotEquals(a.get("loglikelihoods"), b.get("loglikelihoods"));
        }

        // The train file beside DATA is the split by itself: valid.jsonl -> train.jsonl.
        Path valid = dir.resolve("valid.jsonl");
        Files.copy(PIQA, valid);
        Files.copy(Cli.FIXTURES.resolve("data/piqa/valid-first200-labels.lst"), dir.resolve("valid-labels.lst"));
        JsonNode beside = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", valid.toString(), "--limit", "4", "--json", "--threads", "2",
                "--num-fewshot", "2"));
        assertEquals(two.get("items"), beside.get("items"));
        assertEquals(two.get("metrics"), beside.get("metrics"));
    }

    @Test
    void aMissingFewShotSplitIsOneLineAndExitOne() {
        Cli c = Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--limit", "2", "--num-fewshot", "5");
        assertEquals(1, c.exitCode(), c::toString);
        assertEquals(1, c.err().strip().lines().count(), c.err());
        assertTrue(c.err().contains("hellaswag: --num-fewshot 5 takes its examples from the train split, which is not available"), c.err());
        assertTrue(c.err().contains("--fewshot-data"), c.err());
        assertEquals(2, Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--num-fewshot", "1", "--method", "llama-cpp").exitCode());
        assertEquals(2, Cli.run("mc", MINI_LLAMA.toString(), "--task", "hellaswag", "--data", HELLASWAG.toString(), "--num-fewshot", "-1").exitCode());
    }

    @Test
    void compareScoresTheSameFewShotItemsAsMc(@TempDir Path dir) throws IOException {
        Path train = dir.resolve("train.jsonl");
        Files.copy(PIQA, train);
        Files.copy(Cli.FIXTURES.resolve("data/piqa/valid-first200-labels.lst"), dir.resolve("train-labels.lst"));
        JsonNode mc = json(Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", PIQA.toString(), "--limit", "4", "--json", "--threads", "2",
                "--num-fewshot", "2", "--fewshot-data", train.toString()));
        Path results = dir.resolve("results.json");
        Cli c = Cli.run("compare", "--baseline", MINI_LLAMA.toString(), "--models", EqualMemoryCompareTest.TQ2, "--text", EqualMemoryCompareTest.TEXT,
                "--max-windows", "1", "--mc", "piqa:" + PIQA + ":4", "--mc-fewshot", "2", "--fewshot-data", train.toString(),
                "--results", results.toString(), "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        dev.trit.analysis.ResultTable t = dev.trit.analysis.ResultFiles.read(results);
        // the baseline's row under the K-shot task name is trit mc --num-fewshot's accuracy on the same items
        double acc = t.rows().stream().filter(r -> r.task().equals("piqa/2-shot") && r.metric().equals("acc") && r.scope().isEmpty())
                .filter(r -> r.model().contains("mini-llama-f16")).findFirst().orElseThrow(() -> new AssertionError(c.out())).value();
        assertEquals(mc.get("metrics").get("acc").get("value").asDouble(), acc, 0.0);
        assertEquals(2, Cli.run("compare", "--baseline", MINI_LLAMA.toString(), "--models", EqualMemoryCompareTest.TQ2, "--text", EqualMemoryCompareTest.TEXT,
                "--mc-fewshot", "2").exitCode());
    }
}
