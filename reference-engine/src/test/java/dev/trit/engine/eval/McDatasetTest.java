package dev.trit.engine.eval;

import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Prompt layouts of every task against hand-worked expectations from lm-evaluation-harness's task
 * YAML files, on the real HellaSwag/PIQA excerpts in fixtures/data and hand-written samples of the rest.
 */
class McDatasetTest {
    static final Path FIXTURES = Path.of(System.getProperty("trit.root"), "fixtures");

    static Path resource(String name) {
        try {
            return Path.of(McDatasetTest.class.getResource("/eval/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static McChoice choice(String context, String continuation, String text) {
        return new McChoice(context, continuation, text);
    }

    @Test
    void hellaswagTextFormatRawAsLlamaCppReadsIt() throws IOException {
        Path file = FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt");
        List<McItem> items = McDataset.read(McTask.HELLASWAG, file, new McDataset.Options(null, false, 0));
        assertEquals(200, items.size());
        McItem first = items.getFirst();
        // Lines 1-6 of the file.
        assertEquals(3, first.gold());
        String ctx = "Roof shingle removal: A man is sitting on a roof. he";
        assertEquals(List.of(
                choice(ctx, " is using wrap to wrap a pair of skis.", "is using wrap to wrap a pair of skis."),
                choice(ctx, " is ripping level tiles off.", "is ripping level tiles off."),
                choice(ctx, " is holding a rubik's cube.", "is holding a rubik's cube."),
                choice(ctx, " starts pulling up roofing on a roof.", "starts pulling up roofing on a roof.")), first.choices());
        assertEquals("Clean and jerk: A lady walks to a barbell. She bends down and grabs the pole. the lady",
                items.get(1).choices().get(0).context());
    }

    @Test
    void limitStopsEarly() throws IOException {
        Path file = FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt");
        assertEquals(7, McDataset.read(McTask.HELLASWAG, file, McDataset.Options.harness(7)).size());
    }

    @Test
    void harnessPreprocessingOfTheTextFormatDropsBrackets() {
        // Task 2 of the full file's bracket lines: "Visit a site like [www.kiddio.org] to find ..."
        assertEquals("Visit a site like to find loads.", McTask.harnessPreprocess(" Visit a site like [www.kiddio.org] to find loads. "));
        assertEquals("stove.. Wait for it.", McTask.harnessPreprocess("stove. [title] Wait for it."));
        // One pass of "  " -> " ", as Python's str.replace: three spaces become two.
        assertEquals("a  b", McTask.harnessPreprocess("a    b"));
    }

    @Test
    void hellaswagJsonlAsTheHarnessBuildsIt() throws IOException {
        McItem item = McDataset.read(McTask.HELLASWAG, resource("handwritten-hellaswag.jsonl"), McDataset.Options.harness(0)).getFirst();
        String ctx = "Making tea: A woman fills a kettle with water. She"; // ctx_b "SHE".capitalize() == "She"
        assertEquals(List.of(
                choice(ctx, " puts it on the stove.. Wait for it to boil.", "puts it on the stove.. Wait for it to boil."),
                choice(ctx, " throws it out of the window.", "throws it out of the window."),
                choice(ctx, " paints the kettle red.", "paints the kettle red."),
                choice(ctx, " eats the kettle.", "eats the kettle.")), item.choices());
        assertEquals(0, item.gold());
    }

    @Test
    void capitalizeIsPythons() {
        assertEquals("She said", McTask.capitalize("sHE SAID"));
        assertEquals("", McTask.capitalize(""));
        assertEquals("1st", McTask.capitalize("1ST"));
    }

    @Test
    void arc() throws IOException {
        List<McItem> items = McDataset.read(McTask.ARC_CHALLENGE, resource("handwritten-arc.jsonl"), McDataset.Options.harness(0));
        String ctx = "Question: Which gas do plants take in to make food?\nAnswer:";
        assertEquals(choice(ctx, " carbon dioxide", "carbon dioxide"), items.get(0).choices().get(1));
        assertEquals(4, items.get(0).choices().size());
        assertEquals(1, items.get(0).gold());
        assertEquals(1, items.get(1).gold()); // numeric labels "1","2","3", answerKey "2"
        assertEquals(3, items.get(1).choices().size());
    }

    @Test
    void openbookqaStripsTheAnswerKeyAndUsesTheBareStem() throws IOException {
        McItem item = McDataset.read(McTask.OPENBOOKQA, resource("handwritten-openbookqa.jsonl"), McDataset.Options.harness(0)).getFirst();
        assertEquals(choice("A magnet will stick to", " an iron nail", "an iron nail"), item.choices().get(1));
        assertEquals(1, item.gold());
    }

    @Test
    void boolqFromLabelOrAnswer() throws IOException {
        List<McItem> items = McDataset.read(McTask.BOOLQ, resource("handwritten-boolq.jsonl"), McDataset.Options.harness(0));
        String ctx = "The Sun is the star at the center of the Solar System.\nQuestion: is the sun a star?\nAnswer:";
        assertEquals(List.of(choice(ctx, " no", "no"), choice(ctx, " yes", "yes")), items.get(0).choices());
        assertEquals(1, items.get(0).gold());
        assertEquals(0, items.get(1).gold());
    }

    @Test
    void winograndePartialEvaluation() throws IOException {
        List<McItem> items = McDataset.read(McTask.WINOGRANDE, resource("handwritten-winogrande.jsonl"), McDataset.Options.harness(0));
        String a = "The trophy does not fit in the suitcase because the trophy";
        String b = "The trophy does not fit in the suitcase because the suitcase";
        assertEquals(List.of(choice(a, " is too big.", a), choice(b, " is too big.", b)), items.get(0).choices());
        assertEquals(0, items.get(0).gold());
        assertEquals(" 's shelf was empty.", items.get(1).choices().get(1).continuation());
        assertEquals("Anna lent her book to Maria, so Maria", items.get(1).choices().get(1).context());
    }

    @Test
    void piqaWithInlineLabel() throws IOException {
        McItem item = McDataset.read(McTask.PIQA, resource("handwritten-piqa.jsonl"), McDataset.Options.harness(0)).getFirst();
        String ctx = "Question: How do you cool a hot drink quickly?\nAnswer:";
        assertEquals(List.of(choice(ctx, " Put it in the oven.", "Put it in the oven."), choice(ctx, " Add a few ice cubes.", "Add a few ice cubes.")), item.choices());
        assertEquals(1, item.gold());
    }

    @Test
    void piqaOriginalReleaseTakesLabelsFromTheSiblingFile() throws IOException {
        List<McItem> items = McDataset.read(McTask.PIQA, FIXTURES.resolve("data/piqa/valid-first200.jsonl"), McDataset.Options.harness(0));
        assertEquals(200, items.size());
        McItem first = items.getFirst();
        assertEquals("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:", first.choices().get(0).context());
        assertEquals(" Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material, you will also need to supply it with a water bottle and a food dish.",
                first.choices().get(1).continuation());
        // valid-labels.lst starts 0, 1, 1 (checked by eye in the file).
        assertEquals(List.of(0, 1, 1), items.subList(0, 3).stream().map(McItem::gold).toList());
    }

    @Test
    void badFilesGiveOneLineErrors(@TempDir Path dir) throws IOException {
        Path txt = dir.resolve("hs.txt");
        Files.writeString(txt, "ctx\n3\na\nb\nc\n");
        assertTrue(assertThrows(FormatException.class, () -> McDataset.read(McTask.HELLASWAG, txt, McDataset.Options.harness(0)))
                .getMessage().contains("not a multiple of 6"));
        Files.writeString(txt, "ctx\n7\na\nb\nc\nd\n");
        assertTrue(assertThrows(FormatException.class, () -> McDataset.read(McTask.HELLASWAG, txt, McDataset.Options.harness(0)))
                .getMessage().contains("outside 0..3"));
        Path jsonl = dir.resolve("arc.jsonl");
        Files.writeString(jsonl, "{\"question\": \"q\", \"choices\": {\"text\": [\"a\", \"b\"], \"label\": [\"A\", \"B\"]}, \"answerKey\": \"C\"}\n");
        String msg = assertThrows(FormatException.class, () -> McDataset.read(McTask.ARC_EASY, jsonl, McDataset.Options.harness(0))).getMessage();
        assertTrue(msg.contains("line 1") && msg.contains("answerKey"), msg);
        Files.writeString(jsonl, "{not json\n");
        assertTrue(assertThrows(FormatException.class, () -> McDataset.read(McTask.ARC_EASY, jsonl, McDataset.Options.harness(0)))
                .getMessage().contains("not JSON"));
        Files.writeString(jsonl, "");
        assertTrue(assertThrows(FormatException.class, () -> McDataset.read(McTask.ARC_EASY, jsonl, McDataset.Options.harness(0)))
                .getMessage().contains("no items"));
        Files.write(jsonl, new byte[]{(byte) 0xff, (byte) 0xfe, '{', '}', '\n'});
        assertTrue(assertThrows(FormatException.class, () -> McDataset.read(McTask.ARC_EASY, jsonl, McDataset.Options.harness(0)))
                .getMessage().contains("UTF-8"));
        assertThrows(FormatException.class, () -> McDataset.read(McTask.ARC_EASY, dir.resolve("missing.jsonl"), McDataset.Options.harness(0)));
    }

    @Test
    void taskNames() {
        assertEquals(McTask.ARC_CHALLENGE, McTask.byId("arc_challenge"));
        assertThrows(IllegalArgumentException.class, () -> McTask.byId("mmlu"));
    }
}
