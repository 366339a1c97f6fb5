package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.analysis.MixPlan;
import dev.trit.analysis.Sensitivity;
import dev.trit.engine.LoadedModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.VectorKernels;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.KldStats;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * trit sensitivity, trit plan and trit convert --plan on the bundled mini-llama-f16 (HF, float16) and the
 * bundled WikiText-2 test text. Small contexts keep the whole class to well under a minute.
 */
class SensitivityPlanTest {
    static final Path MODEL = Cli.FIXTURES.resolve("hf/mini-llama-f16");
    static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Two runs give the same numbers, bit for bit (the progress lines on stderr aside). */
    @Test
    void deterministic() {
        String[] args = {"sensitivity", MODEL.toString(), TEXT.toString(), "--type", "q3_k", "--by", "kind", "--windows", "1", "--ctx", "64", "--json"};
        Cli a = Cli.run(args), b = Cli.run(args);
        assertEquals(0, a.exitCode(), a::toString);
        assertEquals(a.out(), b.out());
        assertTrue(a.out().contains("\"unit\" : \"ffn_down\""), a.out());
    }

    /**
     * The unit "model" (every linear and the tied embedding at Q6_K) in memory equals trit kld of the
     * file trit convert --type q6_k writes, against trit logits of the source, on the same windows:
     * exactly, so the in-memory round trip is what the file holds.
     */
    @Test
    void wholeModelUnitEqualsKldOfConvertedFile() throws Exception {
        Cli s = Cli.run("sensitivity", MODEL.toString(), TEXT.toString(), "--type", "q6_k", "--by", "model", "--windows", "2", "--ctx", "64", "--json");
        assertEquals(0, s.exitCode(), s::toString);
        JsonNode unit = JSON.readTree(s.out()).path("units").get(0);
        assertEquals("model", unit.path("unit").asText());
        Path base = tmp.resolve("base.arrow"), file = tmp.resolve("q6_k.gguf");
        Cli l = Cli.run("logits", MODEL.toString(), TEXT.toString(), "--ctx", "64", "--max-windows", "2", "--out", base.toString());
        assertEquals(0, l.exitCode(), l::toString);
        Cli c = Cli.run("convert", "-q", MODEL.toString(), file.toString(), "--type", "q6_k");
        assertEquals(0, c.exitCode(), c::toString);
        Cli k = Cli.run("kld", file.toString(), TEXT.toString(), "--base", base.toString(), "--json");
        assertEquals(0, k.exitCode(), k::toString);
        JsonNode kj = JSON.readTree(k.out());
        assertEquals(kj.path("kld_mean").asDouble(), unit.path("kld_mean").asDouble(), 0.0);
        assertEquals(kj.path("delta_ppl").asDouble(), unit.path("delta_ppl").asDouble(), 0.0);
        assertEquals(kj.path("tokens").asLong(), unit.path("tokens").asLong());
        assertTrue(unit.path("kld_mean").asDouble() > 0);
    }

    /**
     * A plan at Q4_K_M's size, made on windows [0, 2), applied by trit convert --plan: the file has exactly
     * the planned types, is no larger than Q4_K_M, and on the held-out windows [2, 4) its KLD against the
     * source is below uniform Q4_K_M's.
     */
    @Test
    void planAtQ4kmSizeBeatsQ4kmOnHeldOutWindows() throws Exception {
        Path q4 = tmp.resolve("q4_k_m.gguf"), planFile = tmp.resolve("plan.json"), planned = tmp.resolve("planned.gguf");
        Cli c = Cli.run("convert", "-q", MODEL.toString(), q4.toString(), "--type", "q4_k_m");
        assertEquals(0, c.exitCode(), c::toString);
        long q4Bytes = 0;
        try (GgufFile g = GgufFile.open(q4)) {
            // the planned tensors: every matrix but the norms (1-D)
            for (TensorInfo t : g.tensors()) if (t.rank() == 2) q4Bytes += t.byteSize();
        }
        Cli p = Cli.run("plan", MODEL.toString(), TEXT.toString(), "--size", Long.toString(q4Bytes), "--types", "q3_k,q4_k,q5_k,q6_k",
                "--windows", "2", "--ctx", "128", "--out", planFile.toString());
        assertEquals(0, p.exitCode(), p::toString);
        MixPlan plan = MixPlan.read(planFile);
        assertEquals(29, plan.types().size());
        assertTrue(plan.predictedBytes() <= q4Bytes, plan.predictedBytes() + " > " + q4Bytes);

        Cli a = Cli.run("convert", "-q", MODEL.toString(), planned.toString(), "--plan", planFile.toString());
        assertEquals(0, a.exitCode(), a::toString);
        long plannedBytes = 0;
        try (GgufFile g = GgufFile.open(planned)) {
            int seen = 0;
            for (TensorInfo t : g.tensors()) {
                GgmlType want = plan.types().get(t.name());
                if (want == null) {
                    assertEquals(1, t.rank(), t.name() + " is a matrix the plan does not name");
                    continue;
                }
                assertEquals(want, t.type(), t.name());
                plannedBytes += t.byteSize();
                seen++;
            }
            assertEquals(plan.types().size(), seen);
            // marked as a plan: trit compare reports it as planned_tensors, the report labels it
            assertEquals(plan.types().size(), g.integer(dev.trit.converters.Converter.PLAN_KEY).orElse(-1));
        }
        assertEquals(plan.predictedBytes(), plannedBytes);

        double kldPlan, kldQ4;
        try (Parallel pool = new Parallel(Runtime.getRuntime().availableProcessors());
             LoadedModel src = LoadedModel.open(MODEL, new VectorKernels(pool));
             LoadedModel mp = LoadedModel.open(planned, new VectorKernels(pool));
             LoadedModel mq = LoadedModel.open(q4, new VectorKernels(pool))) {
            int[] ids = EvalWindow.tokens(src.tokenizer(), Files.readString(TEXT), EvalWindow.Protocol.HF);
            List<EvalWindow> all = EvalWindow.cut(ids, 128, src.tokenizer().bos().orElse(src.config().bosTokenId()), EvalWindow.Protocol.HF, 4);
            Sensitivity heldOut = new Sensitivity(src.transformer(), all.subList(2, 4), 0);
            KldStats.Summary sp = heldOut.compare(mp.transformer()).summary(), sq = heldOut.compare(mq.transformer()).summary();
            kldPlan = sp.kld().value();
            kldQ4 = sq.kld().value();
            System.out.printf(Locale.ROOT, "held-out windows [2,4) ctx 128: plan %d bytes KLD %.6f ± %.6f; q4_k_m %d bytes KLD %.6f ± %.6f%n",
                    plannedBytes, kldPlan, sp.kld().uncertainty(), q4Bytes, kldQ4, sq.kld().uncertainty());
        }
        assertTrue(kldPlan < kldQ4, "plan KLD " + kldPlan + " not below Q4_K_M's " + kldQ4);
    }

    @Test
    void badInput() throws Exception {
        Cli t = Cli.run("sensitivity", MODEL.toString(), TEXT.toString(), "--type", "q9_k");
        assertEquals(2, t.exitCode(), t::toString);
        assertTrue(t.err().contains("q9_k"), t.err());
        Cli b = Cli.run("sensitivity", MODEL.toString(), TEXT.toString(), "--type", "q4_k", "--by", "row");
        assertEquals(2, b.exitCode(), b::toString);
        Cli u = Cli.run("plan", MODEL.toString(), TEXT.toString(), "--types", "q4_k,zz", "--budget", "4bpw", "--out", tmp.resolve("x.json").toString());
        assertEquals(2, u.exitCode(), u::toString);

        Cli small = Cli.run("plan", MODEL.toString(), TEXT.toString(), "--budget", "1.5bpw", "--windows", "1", "--ctx", "16",
                "--out", tmp.resolve("p.json").toString());
        assertEquals(1, small.exitCode(), small::toString);
        List<String> lines = small.err().lines().filter(x -> x.startsWith("trit:")).toList();
        assertEquals(1, lines.size(), small.err());
        assertTrue(lines.getFirst().contains("below the smallest possible plan"), small.err());
        assertFalse(Files.exists(tmp.resolve("p.json")));

        // a plan naming a tensor the model does not have: exit 1, naming it; nothing written
        Path plan = tmp.resolve("bad.json"), out = tmp.resolve("bad.gguf");
        new MixPlan(Map.of("blk.9.attn_q.weight", GgmlType.Q4_K), 0, 0, 0, Map.of()).write(plan);
        Cli c = Cli.run("convert", "-q", MODEL.toString(), out.toString(), "--plan", plan.toString());
        assertEquals(1, c.exitCode(), c::toString);
        assertTrue(c.err().contains("blk.9.attn_q.weight"), c.err());
        assertFalse(Files.exists(out));
    }
}
