package dev.trit.engine.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.engine.eval.McDataset.McDoc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Few-shot contexts as lm-evaluation-harness builds them. PIQA's train split is not available here, so
 * the real validation rows in fixtures/data stand in for it; the expected strings and indices were
 * printed by a python3 transcription of the harness's loop (random.Random(1234) shared over the docs in
 * order; {@code fs = rnd.sample(pool, K + 1)}; {@code [x for x in fs if x != doc][:K]}; each example
 * {@code "Question: " + goal + "\nAnswer:" + " " + [sol1, sol2][label] + "\n\n"}; then the doc's text).
 */
class McFewShotTest {
    static final Path PIQA = McDatasetTest.FIXTURES.resolve("data/piqa/valid-first200.jsonl");

    static List<McDoc> piqa(int limit) throws IOException {
        return McDataset.readDocs(McTask.PIQA, PIQA, McDataset.Options.harness(limit));
    }

    @Test
    void piqaTwoShotPromptsOfTheFirstDocs() throws IOException {
        List<McDoc> pool = piqa(0);
        List<McFewShot.Shot> shots = McFewShot.build(McTask.PIQA, pool.subList(0, 3), pool, 2, 1234);
        assertArrayEquals(new int[]{199, 112}, shots.get(0).examples());
        assertArrayEquals(new int[]{23, 149}, shots.get(1).examples());
        assertArrayEquals(new int[]{8, 171}, shots.get(2).examples());
        assertEquals("Question: To save cookie dough to use at a later date, you can\nAnswer: Store it in the refrigerator until you need it again\n\n"
                        + "Question: To create a replica of Back to the Future's Sports Almanac.\nAnswer: Print the cover on glossy paper and glue it to an old book after removing its cover.\n\n"
                        + "Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:",
                shots.get(0).item().choices().get(0).context());
        assertEquals("Question: How do you make plain toast?\nAnswer: Gather a slice of bread and a toaster, place the bread into the toaster and push the button down, when the button pops up your toast is ready.\n\n"
                        + "Question: To make a hood for a cloak.\nAnswer: Sew two pieces of fabric together.\n\n"
                        + "Question: dresser\nAnswer:",
                shots.get(1).item().choices().get(1).context());
        // Continuations, choice texts and gold are the zero-shot item's.
        for (int i = 0; i < 3; i++) {
            McItem zero = pool.get(i).item(), few = shots.get(i).item();
            assertEquals(zero.gold(), few.gold());
            for (int c = 0; c < 2; c++) {
                assertEquals(zero.choices().get(c).continuation(), few.choices().get(c).continuation());
                assertEquals(zero.choices().get(c).text(), few.choices().get(c).text());
                assertTrue(few.choices().get(c).context().endsWith(FEWSHOT_SEP + zero.choices().get(c).context()));
            }
        }
    }

    private static final String FEWSHOT_SEP = "\n\n";

    /**
     * Pool of 10 (sample's pool-based branch), K = 3, so K + 1 = 4 are drawn per doc and the eval doc is
     * dropped when drawn. Python: r = Random(1234); [r.sample(range(10), 4) for _ in range(10)] =
     * [7,1,0,9] [9,0,1,8] [5,3,0,7] [0,5,7,4] [7,2,1,9] [1,0,7,9] [1,8,7,0] [9,1,0,2] [8,1,4,3] [5,4,3,9].
     */
    @Test
    void theEvalDocIsDroppedFromTheExtraDraw() throws IOException {
        List<McDoc> pool = piqa(10);
        List<McFewShot.Shot> shots = McFewShot.build(McTask.PIQA, pool, pool, 3, 1234);
        int[][] expected = {{7, 1, 9}, {9, 0, 8}, {5, 3, 0}, {0, 5, 7}, {7, 2, 1}, {1, 0, 7}, {1, 8, 7}, {9, 1, 0}, {1, 4, 3}, {5, 4, 3}};
        for (int i = 0; i < 10; i++) assertArrayEquals(expected[i], shots.get(i).examples(), "doc " + i);
        // K = 0 is the zero-shot item itself and draws nothing.
        List<McFewShot.Shot> zero = McFewShot.build(McTask.PIQA, pool, pool, 0, 1234);
        for (int i = 0; i < 10; i++) assertSame(pool.get(i).item(), zero.get(i).item());
        // Too few docs for one draw of K + 1: Python's sample would raise.
        assertThrows(IllegalArgumentException.class, () -> McFewShot.build(McTask.PIQA, pool, pool, 10, 1234));
    }

    /** arc has test_split: test, so it draws exactly K and keeps them all. Python: [[3,0],[0,4],[4,0]]. */
    @Test
    void arcDrawsExactlyK() {
        ObjectMapper json = new ObjectMapper();
        List<McDoc> train = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            var doc = json.createObjectNode().put("question", "Q" + i).put("answerKey", "B");
            var choices = doc.putObject("choices");
            choices.putArray("text").add("a" + i).add("b" + i);
            choices.putArray("label").add("A").add("B");
            train.add(new McDoc(McTask.ARC_EASY.fromJson(doc, "arc_easy:" + i), doc));
        }
        List<McFewShot.Shot> shots = McFewShot.build(McTask.ARC_EASY, train.subList(0, 3), train, 2, 1234);
        assertArrayEquals(new int[]{3, 0}, shots.get(0).examples());
        assertArrayEquals(new int[]{0, 4}, shots.get(1).examples());
        assertArrayEquals(new int[]{4, 0}, shots.get(2).examples()); // doc 0 is not excluded (no extra draw)
        assertEquals("Question: Q3\nAnswer: b3\n\nQuestion: Q0\nAnswer: b0\n\nQuestion: Q0\nAnswer:", shots.get(0).item().choices().get(0).context());
    }

    /**
     * winogrande is a multiple-input task: an example is the gold option's partial sentence, " ", the rest
     * of the sentence; every option's context of the eval doc gets the same prefix. Seed 7, pool of 4,
     * K = 1 so 2 are drawn: Python [[2, 0], [3, 2]]; doc 0 drops itself from [2, 0], doc 1 keeps 3.
     */
    @Test
    void winograndeExamplesUseTheGoldOptionsSentence(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("wg.jsonl");
        Files.writeString(f, """
                {"sentence": "Sarah was a much better surgeon than Maria so _ always got the harder cases.", "option1": "Sarah", "option2": "Maria", "answer": "1"}
                {"sentence": "The trophy doesn't fit into the brown suitcase because the _ is too large.", "option1": "trophy", "option2": "suitcase", "answer": "1"}
                {"sentence": "John moved the couch from the garage to the backyard to create space. The _ is small.", "option1": "garage", "option2": "backyard", "answer": "1"}
                {"sentence": "The cat could not catch the mouse because the _ was too fast.", "option1": "cat", "option2": "mouse", "answer": "2"}
                """);
        List<McDoc> docs = McDataset.readDocs(McTask.WINOGRANDE, f, McDataset.Options.harness(0));
        List<McFewShot.Shot> shots = McFewShot.build(McTask.WINOGRANDE, docs.subList(0, 2), docs, 1, 7);
        assertArrayEquals(new int[]{2}, shots.get(0).examples());
        assertArrayEquals(new int[]{3}, shots.get(1).examples());
        String ex2 = "John moved the couch from the garage to the backyard to create space. The garage is small.\n\n";
        assertEquals(ex2 + "Sarah was a much better surgeon than Maria so Sarah", shots.get(0).item().choices().get(0).context());
        assertEquals(ex2 + "Sarah was a much better surgeon than Maria so Maria", shots.get(0).item().choices().get(1).context());
        assertEquals(" always got the harder cases.", shots.get(0).item().choices().get(1).continuation());
        assertEquals("The cat could not catch the mouse because the mouse was too fast.\n\nThe trophy doesn't fit into the brown suitcase because the trophy",
                shots.get(1).item().choices().get(0).context());
    }

    @Test
    void splitsOfTheHarnessTaskYamls() {
        for (McTask t : McTask.values()) assertEquals("train", t.fewshotSplit());
        assertEquals("validation", McTask.HELLASWAG.evalSplit());
        assertEquals("test", McTask.ARC_CHALLENGE.evalSplit());
        assertTrue(McTask.BOOLQ.fewshotDrawsExtra());
        assertFalse(McTask.OPENBOOKQA.fewshotDrawsExtra());
    }
}
