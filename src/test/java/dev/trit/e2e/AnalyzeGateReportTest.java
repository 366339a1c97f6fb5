package dev.trit.e2e;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** trit analyze, gate and report as a user runs them. */
class AnalyzeGateReportTest {
    static final Path DEMO = Cli.FIXTURES.resolve("hf/demo-bitnet-packed");

    @Test
    void analyzeWritesArrowAndJson(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("analyze", DEMO.toString(), "--no-compress", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("model.layers.0.self_attn.q_proj.weight"), r.toString());
        assertTrue(r.out().contains("71.4x"), r.toString());
        assertTrue(r.out().contains("measured energy (RAPL)"), r.toString());
        ResultTable a = ResultFiles.read(dir.resolve("demo-bitnet-packed.analysis.arrow"));
        ResultTable j = ResultFiles.read(dir.resolve("demo-bitnet-packed.analysis.json"));
        assertEquals(a, j);
    }

    @Test
    void analyzeBadInput(@TempDir Path dir) {
        Cli r = Cli.run("analyze", dir.resolve("missing").toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
        assertEquals(2, Cli.run("analyze").exitCode());
    }

    @Test
    void gateExitCodes(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.txt"), "# test rules\nsize_bytes: rise <= 0%\nshare_zero: rise <= 1%\n");
        Path base = dir.resolve("base.json");
        assertEquals(0, Cli.run("analyze", DEMO.toString(), "--no-compress", "--json").exitCode());
        Cli a = Cli.run("analyze", DEMO.toString(), "--no-compress", "--json");
        Files.writeString(base, a.out());
        Path junit = dir.resolve("out/junit.xml");
        Cli pass = Cli.run("gate", "--baseline", base.toString(), "--current", base.toString(), "--rules", rules.toString(),
                "--junit", junit.toString());
        assertEquals(0, pass.exitCode(), pass.toString());
        assertTrue(pass.out().contains("0 failed"), pass.toString());
        assertTrue(Files.readString(junit).contains("failures=\"0\""));

        // The 1-bit model under the b1.58 model's name: share of zeros drops to 0 -> passes "rise",
        // so gate the other way round: baseline 1-bit, current b1.58 -> zeros rise from 0 to 1/3.
        Cli one = Cli.run("analyze", Cli.FIXTURES.resolve("hf/demo1-bitnet-packed").toString(), "--no-compress", "--json");
        Path oneJson = Files.writeString(dir.resolve("one.json"), one.out().replace("demo1-bitnet-packed", "demo-bitnet-packed"));
        Cli fail = Cli.run("gate", "--baseline", oneJson.toString(), "--current", base.toString(), "--rules", rules.toString(),
                "--junit", junit.toString());
        assertEquals(1, fail.exitCode(), fail.toString());
        assertTrue(fail.out().contains("FAIL"), fail.toString());
        assertTrue(fail.out().contains("::error title=trit gate%3A share_zero::"), fail.toString());
        assertTrue(Files.readString(junit).contains("<failure "));

        Cli missing = Cli.run("gate", "--baseline", base.toString(), "--current", dir.resolve("nope.json").toString(), "--rules", rules.toString());
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("nope.json"), missing.toString());
        Path badRules = Files.writeString(dir.resolve("bad.txt"), "perplexity goes up a bit\n");
        Cli br = Cli.run("gate", "--baseline", base.toString(), "--current", base.toString(), "--rules", badRules.toString());
        assertEquals(2, br.exitCode(), br.toString());
        assertTrue(br.err().contains("bad.txt:1"), br.toString());
        Path noMetric = Files.writeString(dir.resolve("nm.txt"), "perplexity: rise <= 2%\n");
        Cli nm = Cli.run("gate", "--baseline", base.toString(), "--current", base.toString(), "--rules", noMetric.toString());
        assertEquals(2, nm.exitCode(), nm.toString());
        assertTrue(nm.err().contains("perplexity"), nm.toString());
    }

    @Test
    void reportFromAnalysis(@TempDir Path dir) throws Exception {
        assertEquals(0, Cli.run("analyze", DEMO.toString(), "--no-compress", "--out", dir.toString()).exitCode());
        Cli r = Cli.run("report", "--out", dir.resolve("rep").toString(), dir.resolve("demo-bitnet-packed.analysis.arrow").toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.exists(dir.resolve("rep/index.html")));
        assertTrue(Files.exists(dir.resolve("rep/charts/layers.png")));
        assertTrue(Files.exists(dir.resolve("rep/charts/energy.svg")));
        assertTrue(Files.exists(dir.resolve("rep/summary.md")));
        assertEquals(1, Cli.run("report", "--out", dir.resolve("x").toString(), dir.resolve("none.json").toString()).exitCode());
    }
}
