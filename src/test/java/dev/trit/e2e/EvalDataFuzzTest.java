package dev.trit.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutated task data through {@code trit mc}: llama.cpp's HellaSwag text (lines dropped, labels made
 * non-numeric or out of range, endings emptied) and the harness's PIQA JSONL with its labels file (fields
 * replaced or removed, lines cut). Each run scores or ends with one line naming the file and the task.
 */
class EvalDataFuzzTest {
    private static final int ROUNDS = Integer.getInteger("trit.fuzz.rounds", 60);
    private static final Path MODEL = Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] VALUES = {"", "x", "-1", "4", "99999999999", "3.5", " ", "\u0000"};

    @TempDir
    Path tmp;

    private static void assertClean(Cli r) {
        if (r.exitCode() == 0) return;
        assertTrue(r.exitCode() == 1 || r.exitCode() == 2, r::toString);
        String err = r.err().strip();
        String last = err.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("trit: "), r::toString);
        assertFalse(err.matches("(?s).*trit: [A-Za-z.]*(Exception|Error)\\b.*") || err.contains("\tat "), r::toString);
    }

    @Test
    void mutatedHellaswagText() throws IOException {
        List<String> original = Files.readAllLines(Cli.FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt")).subList(0, 18);
        Random rnd = new Random(5);
        for (int i = 0; i < ROUNDS; i++) {
            List<String> lines = new ArrayList<>(original);
            int at = rnd.nextInt(lines.size());
            switch (i % 3) {
                case 0 -> lines.remove(at);
                case 1 -> lines.set(at - at % 6 + 1, VALUES[rnd.nextInt(VALUES.length)]); // the label line
                default -> lines.set(at, VALUES[rnd.nextInt(VALUES.length)]);
            }
            Path f = Files.write(tmp.resolve("h" + i + ".txt"), lines);
            assertClean(Cli.run("mc", MODEL.toString(), "--task", "hellaswag", "--data", f.toString(), "--limit", "3"));
        }
    }

    @Test
    void mutatedPiqaJsonl() throws IOException {
        List<String> rows = Files.readAllLines(Cli.FIXTURES.resolve("data/piqa/valid-first200.jsonl")).subList(0, 3);
        List<String> labels = Files.readAllLines(Cli.FIXTURES.resolve("data/piqa/valid-first200-labels.lst")).subList(0, 3);
        Random rnd = new Random(6);
        for (int i = 0; i < ROUNDS; i++) {
            List<String> r = new ArrayList<>(rows), l = new ArrayList<>(labels);
            int at = rnd.nextInt(3);
            switch (i % 4) {
                case 0 -> {
                    ObjectNode o = (ObjectNode) JSON.readTree(r.get(at));
                    List<String> keys = new ArrayList<>();
                    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) keys.add(it.next());
                    String k = keys.get(rnd.nextInt(keys.size()));
                    if (rnd.nextBoolean()) o.remove(k);
                    else if (rnd.nextBoolean()) o.put(k, VALUES[rnd.nextInt(VALUES.length)]);
                    else o.set(k, JSON.getNodeFactory().arrayNode());
                    r.set(at, o.toString());
                }
                case 1 -> r.set(at, r.get(at).substring(0, rnd.nextInt(r.get(at).length())));
                case 2 -> l.set(at, VALUES[rnd.nextInt(VALUES.length)]);
                default -> l.remove(at);
            }
            Path data = Files.write(tmp.resolve("p" + i + ".jsonl"), r), lab = Files.write(tmp.resolve("p" + i + ".lst"), l);
            assertClean(Cli.run("mc", MODEL.toString(), "--task", "piqa", "--data", data.toString(), "--labels", lab.toString()));
        }
    }
}
