package dev.trit.cli;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.trit.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** The journal of trit eval: whole records survive, a torn or corrupt tail is cut off; plan checks. */
class EvalJournalTest {
    @Test
    void aTornTailIsCutOffAndAppendingContinuesAfterTheLastWholeRecord(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("u.journal");
        try (EvalJournal j = EvalJournal.open(f, new TreeMap<>())) {
            j.append(0, new byte[]{1, 2, 3});
            j.append(2, new byte[]{4});
            j.append(1, new byte[40]);
        }
        long whole = Files.size(f);
        // every cut inside the last record (a kill -9 mid-write) leaves the first two
        for (long cut = whole - 1; cut > whole - 56; cut -= 7) {
            Path g = dir.resolve("cut" + cut);
            Files.copy(f, g);
            try (FileChannel ch = FileChannel.open(g, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            assertEquals(java.util.List.of(0, 2), java.util.List.copyOf(EvalJournal.read(g).keySet()), "cut at " + cut);
            TreeMap<Integer, byte[]> items = new TreeMap<>();
            try (EvalJournal j = EvalJournal.open(g, items)) {
                assertEquals(2, items.size());
                j.append(1, new byte[]{9});
            }
            TreeMap<Integer, byte[]> again = EvalJournal.read(g);
            assertEquals(3, again.size());
            assertArrayEquals(new byte[]{9}, again.get(1));
            assertArrayEquals(new byte[]{1, 2, 3}, again.get(0));
        }
        // a flipped byte in the last record's payload fails its CRC
        byte[] b = Files.readAllBytes(f);
        b[b.length - 1] ^= 1;
        Path h = dir.resolve("flipped");
        Files.write(h, b);
        assertEquals(2, EvalJournal.read(h).size());
    }

    @Test
    void plansAreCheckedBeforeAnythingRuns(@TempDir Path dir) throws IOException {
        YAMLMapper y = new YAMLMapper();
        Path file = dir.resolve("p.yaml");
        String ok = "models: [{path: m.gguf, variants: ['quant:q4_k_m', 'convert:tq2_0']}]\ntasks: [{ppl: t, text: t.txt, ctx: 64}]\n";
        EvalPlan p = EvalPlan.parse(file, y.readTree(ok));
        assertEquals(3, p.entries().size());
        assertEquals("m/gguf-q4_k_m", p.entries().get(1).label());
        assertEquals(dir.resolve("m.gguf"), p.entries().get(0).path());
        EvalPlan f = EvalPlan.parse(file, y.readTree("models: [{path: m.gguf}]\ntasks: [{mc: h, task: hellaswag, data: d.txt, shots: 5, fewshot_data: tr.txt},"
                + " {ppl: w, text: t.txt, protocol: lm-eval-wikitext, max_docs: 2, doc-bos: true}]"));
        EvalPlan.Mc mc = (EvalPlan.Mc) f.tasks().get(0);
        assertEquals("h/5-shot", mc.name());
        assertEquals(1234, mc.fewshotSeed());
        assertEquals(dir.resolve("tr.txt"), mc.fewshotData());
        assertEquals(new EvalPlan.Wikitext("w", dir.resolve("t.txt"), 0, 2, true), f.tasks().get(1));
        for (String bad : new String[]{
                "models: [{path: m.gguf, variants: ['quant:tq2_0']}]\ntasks: [{ppl: t, text: t.txt}]",
                "models: [{path: m.gguf}]\ntasks: [{ppl: t, text: t.txt, windows: 3}]",
                "models: [{path: m.gguf}]\ntasks: [{mc: h, task: hellaswag, data: d.txt, shots: 5, method: llama-cpp}]",
                "models: [{path: m.gguf}]\ntasks: [{mc: h, task: hellaswag, data: d.txt, fewshot-seed: 3}]",
                "models: [{path: m.gguf}]\ntasks: [{mc: h, task: hellaswag, data: d.txt, shots: 1, fewshot-seed: 3, fewshot_seed: 3}]",
                "models: [{path: m.gguf}]\ntasks: [{ppl: t, text: t.txt, protocol: lm-eval-wikitext, top-k: 8}]",
                "models: [{path: m.gguf}]\ntasks: [{ppl: t, text: t.txt, protocol: lm-eval-wiki}]",
                "models: [{path: m.gguf}]\nbaseline: x\ntasks: [{ppl: t, text: t.txt}]",
                "models: [{path: m.gguf}, {path: m.gguf}]\ntasks: [{ppl: t, text: t.txt}]"}) {
            assertThrows(IllegalArgumentException.class, () -> EvalPlan.parse(file, y.readTree(bad)), bad);
        }
        Files.writeString(file, "models: [");
        assertThrows(FormatException.class, () -> EvalPlan.read(file));
    }

    @Test
    void shardsSplitItemsRoundRobinAndOneItemUnitsByPosition() {
        EvalUnit ppl = new EvalUnit("a", 5, "m", "", "t", EvalUnit.PPL, 7, 0, java.util.List.of(), "", "");
        EvalUnit w = new EvalUnit("b", 5, "m", "", "weights", EvalUnit.WEIGHTS, 1, 0, java.util.List.of(), "", "");
        for (int j = 0; j < 7; j++) {
            int owners = 0;
            for (int i = 0; i < 3; i++) if (ppl.inShard(j, i, 3)) owners++;
            assertEquals(1, owners);
            assertTrue(ppl.inShard(j, j % 3, 3));
        }
        assertTrue(w.inShard(0, 2, 3));
        assertFalse(w.inShard(0, 0, 3));
        assertArrayEquals(new int[]{1, 3}, EvalCommand.parseShard("1/3"));
        assertThrows(Main.UsageException.class, () -> EvalCommand.parseShard("3/3"));
    }
}
