package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * An evaluation plan with one value replaced or removed (a model's path or variants, a task's kind, data,
 * ctx, limits; the baseline; types swapped for numbers, strings, lists, objects): {@code trit eval} runs it or
 * stops with one line (exit 2 for a bad plan, 1 for a failed run), never a stack trace.
 */
class EvalPlanFuzzTest {
    /** 4-15 s a round (a variant built, ppl, KLD and mc run); 100 rounds passed locally (2026-12-05). */
    private static final int ROUNDS = Integer.getInteger("trit.fuzz.rounds", 5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void mutatedPlansFailCleanly() throws IOException {
        ObjectNode plan = JSON.createObjectNode();
        ObjectNode model = plan.putArray("models").addObject();
        model.put("path", Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf").toString());
        model.put("name", "mini");
        model.put("variant", "tq2_0");
        model.putArray("variants").add("quant:q8_0");
        plan.put("baseline", "mini/tq2_0");
        ArrayNode tasks = plan.putArray("tasks");
        ObjectNode ppl = tasks.addObject();
        ppl.put("ppl", "wikitext-2-test");
        ppl.put("text", Cli.FIXTURES.resolve("data/wikitext-2/test.txt").toString());
        ppl.put("ctx", 32);
        ppl.put("max-windows", 1);
        ppl.put("top-k", 4);
        ObjectNode mc = tasks.addObject();
        mc.put("mc", "hellaswag");
        mc.put("data", Cli.FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt").toString());
        mc.put("limit", 2);
        JsonNode[] values = {JSON.getNodeFactory().numberNode(0), JSON.getNodeFactory().numberNode(-1), JSON.getNodeFactory().numberNode(Long.MAX_VALUE),
                JSON.getNodeFactory().numberNode(0.5), JSON.getNodeFactory().textNode(""), JSON.getNodeFactory().textNode("x"),
                JSON.getNodeFactory().textNode("quant:nope"), JSON.getNodeFactory().booleanNode(true), JSON.getNodeFactory().nullNode(),
                JSON.getNodeFactory().objectNode(), JSON.getNodeFactory().arrayNode()};
        Random rnd = new Random(9);
        for (int i = 0; i < ROUNDS; i++) {
            ObjectNode p = plan.deepCopy();
            List<Object[]> slots = new ArrayList<>();
            collect(p, "", slots);
            Object[] s = slots.get(rnd.nextInt(slots.size()));
            boolean remove = rnd.nextInt(4) == 0;
            JsonNode v = values[rnd.nextInt(values.length)];
            if (s[0] instanceof ObjectNode o) {
                if (remove) o.remove((String) s[1]);
                else o.set((String) s[1], v);
            } else if (remove) ((ArrayNode) s[0]).remove((Integer) s[1]);
            else ((ArrayNode) s[0]).set((Integer) s[1], v);
            Path f = Files.writeString(tmp.resolve("plan" + i + ".json"), p.toPrettyString());
            Cli r = Cli.run("eval", f.toString(), "--out", tmp.resolve("out" + i).toString(), "--threads", "2");
            String what = s[2] + (remove ? " removed" : " = " + v);
            if (r.exitCode() == 0) continue;
            assertTrue(r.exitCode() == 1 || r.exitCode() == 2, what + "\n" + r);
            String err = r.err().strip();
            String last = err.lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.startsWith("trit: "), what + "\n" + r);
            assertFalse(last.matches("trit: [A-Za-z.]*(Exception|Error)\\b.*") || err.contains("\tat "), what + "\n" + r);
        }
    }

    private static void collect(JsonNode n, String path, List<Object[]> slots) {
        if (n instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                slots.add(new Object[] {o, f, path + "." + f});
                collect(o.get(f), path + "." + f, slots);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                slots.add(new Object[] {a, i, path + "[" + i + "]"});
                collect(a.get(i), path + "[" + i + "]", slots);
            }
        }
    }
}
