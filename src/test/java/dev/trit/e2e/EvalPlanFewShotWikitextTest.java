package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static dev.trit.e2e.EvalCommandsTest.MINI_LLAMA;
import static dev.trit.e2e.EvalCommandsTest.json;
import static org.junit.jupiter.api.Assertions.*;

/**
 * trit eval with a 2-shot PIQA task and an lm-eval-wikitext ppl task on the bundled mini model: the same
 * per-item scores and metrics as trit mc --num-fewshot 2 and trit ppl --protocol lm-eval-wikitext, and
 * three shards merged, and a run cut short then resumed, give the single run's table (shard j's items use the
 * examples of the unsharded run).
 */
class EvalPlanFewShotWikitextTest {
    @TempDir
    static Path dir;
    static Path plan, train;
    static List<ResultRow> single;

    static final Path PIQA = McFewShotCliTest.PIQA;
    static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");

    static final String PLAN = """
            models:
              - path: %s
            weights: false
            tasks:
              - mc: piqa
                data: %s
                limit: 5
                shots: 2
                fewshot-data: train.jsonl
              - ppl: wikitext
                text: %s
                protocol: lm-eval-wikitext
                ctx: 256
                max_docs: 1
            """;

    @BeforeAll
    static void singleRun() throws IOException {
        // PIQA's train split is not in the fixtures: the validation excerpt stands in for it (as in McFewShotCliTest)
        train = dir.resolve("train.jsonl");
        Files.copy(PIQA, train);
        Files.copy(Cli.FIXTURES.resolve("data/piqa/valid-first200-labels.lst"), dir.resolve("train-labels.lst"));
        plan = dir.resolve("plan.yaml");
        Files.writeString(plan, PLAN.formatted(MINI_LLAMA, PIQA, TEXT));
        Cli c = Cli.run("eval", plan.toString(), "--out", dir.resolve("single").toString(), "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        single = ResultFiles.read(dir.resolve("single/results.arrow")).rows();
    }

    @Test
    void fewShotItemsAndMetricsAreTritMcs() throws IOException {
        Path results = dir.resolve("mc.json");
        Cli mc = Cli.run("mc", MINI_LLAMA.toString(), "--task", "piqa", "--data", PIQA.toString(), "--limit", "5", "--json", "--threads", "2",
                "--num-fewshot", "2", "--fewshot-data", train.toString(), "--results", results.toString());
        assertEquals(0, mc.exitCode(), mc::toString);
        JsonNode o = json(mc);
        // per item: the same log-likelihoods and token counts (the journal holds them, item by item)
        TreeMap<Integer, byte[]> records = journal(dir.resolve("single/units/mini-llama-f16@piqa_2-shot.journal"));
        assertEquals(5, records.size());
        for (int i = 0; i < 5; i++) {
            JsonNode item = o.get("items").get(i);
            try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(records.get(i)))) {
                assertEquals(item.get("id").asText(), d.readUTF());
                assertEquals(item.get("gold").asInt(), d.readInt());
                int n = d.readInt();
                assertEquals(item.get("loglikelihoods").size(), n);
                for (int k = 0; k < n; k++) {
                    assertEquals(item.get("loglikelihoods").get(k).asDouble(), d.readDouble(), "item " + i + " choice " + k);
                    assertEquals(item.get("tokens").get(k).asInt(), d.readInt());
                    d.readBoolean();
                    d.readInt();
                }
            }
        }
        // the rows trit mc writes (task piqa/2-shot) are the plan's, to the bit
        List<ResultRow> mcRows = ResultFiles.read(results).rows();
        assertFalse(mcRows.isEmpty());
        assertTrue(mcRows.stream().allMatch(r -> r.task().equals("piqa/2-shot")), mcRows::toString);
        List<ResultRow> planRows = single.stream().filter(r -> r.task().equals("piqa/2-shot") && r.scope().isEmpty()).toList();
        assertEquals(mcRows, planRows);
    }

    @Test
    void lmEvalWikitextIsTritPpls() throws IOException {
        JsonNode o = json(Cli.run("ppl", MINI_LLAMA.toString(), TEXT.toString(), "--protocol", "lm-eval-wikitext", "--max-docs", "1", "--ctx", "256",
                "--json", "--threads", "2"));
        for (String m : List.of("word_perplexity", "byte_perplexity", "bits_per_byte", "nll_mean", "tokens")) {
            ResultRow r = single.stream().filter(x -> x.task().equals("wikitext") && x.metric().equals(m) && x.scope().isEmpty()).findFirst().orElseThrow();
            assertEquals(o.get(m).asDouble(), r.value(), m);
        }
        // one item per rolling window
        ResultRow items = single.stream().filter(x -> x.task().equals("wikitext") && x.scope().equals("unit")).findFirst().orElseThrow();
        assertEquals(o.get("windows").asInt(), (int) items.value());
    }

    @Test
    void threeShardsMergedEqualOneRun() throws IOException {
        List<String> args = new ArrayList<>(List.of("merge"));
        for (int i = 0; i < 3; i++) {
            Path out = dir.resolve("shard" + i);
            Cli c = Cli.run("eval", plan.toString(), "--out", out.toString(), "--shard", i + "/3", "--threads", "2");
            assertEquals(0, c.exitCode(), c::toString);
            args.add(out.toString());
        }
        Path merged = dir.resolve("merged");
        args.addAll(List.of("--out", merged.toString()));
        Cli m = Cli.run(args.toArray(String[]::new));
        assertEquals(0, m.exitCode(), m::toString);
        assertEquals(single, ResultFiles.read(merged.resolve("results.arrow")).rows());
    }

    @Test
    void aRunCutShortResumesToTheSameNumbers() throws IOException {
        Path out = dir.resolve("cut");
        Path from = dir.resolve("single");
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path to = out.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else if (!f.getFileName().toString().startsWith("results.")) Files.copy(f, to);
            }
        }
        // keep the first records of each journal, and half a record more (a torn tail)
        keep(out.resolve("units/mini-llama-f16@piqa_2-shot.journal"), 2);
        keep(out.resolve("units/mini-llama-f16@wikitext.journal"), 3);
        Cli c = Cli.run("eval", plan.toString(), "--out", out.toString(), "--resume", "--threads", "2");
        assertEquals(0, c.exitCode(), c::toString);
        assertEquals(single, ResultFiles.read(out.resolve("results.arrow")).rows());
    }

    private static void keep(Path journal, int records) throws IOException {
        byte[] all = Files.readAllBytes(journal);
        ByteBuffer b = ByteBuffer.wrap(all);
        for (int i = 0; i < records; i++) b.position(b.position() + 12 + b.getInt(b.position()));
        int end = Math.min(all.length, b.position() + 20);
        Files.write(journal, java.util.Arrays.copyOf(all, end));
    }

    @Test
    void badKeysAreRefused() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                models:
                  - path: %s
                tasks:
                  - mc: hellaswag
                    data: x.txt
                    method: llama-cpp
                    shots: 1
                """.formatted(MINI_LLAMA));
        Cli c = Cli.run("eval", bad.toString(), "--out", dir.resolve("bad").toString());
        assertEquals(1, c.exitCode(), c::toString);
        assertTrue(c.err().contains("harness method"), c::toString);
        Files.writeString(bad, """
                models:
                  - path: %s
                tasks:
                  - ppl: w
                    text: x.txt
                    protocol: lm-eval-wikitext
                    max-windows: 2
                """.formatted(MINI_LLAMA));
        c = Cli.run("eval", bad.toString(), "--out", dir.resolve("bad").toString());
        assertEquals(1, c.exitCode(), c::toString);
        assertTrue(c.err().contains("max-windows"), c::toString);
    }

    /** A journal's records by item: [int length][long CRC-32][int item][payload]. */
    static TreeMap<Integer, byte[]> journal(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        TreeMap<Integer, byte[]> m = new TreeMap<>();
        while (b.remaining() >= 16) {
            int len = b.getInt();
            b.getLong();
            int item = b.getInt();
            byte[] p = new byte[len - 4];
            b.get(p);
            m.putIfAbsent(item, p);
        }
        return m;
    }
}
