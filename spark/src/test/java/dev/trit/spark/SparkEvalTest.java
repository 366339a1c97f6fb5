package dev.trit.spark;

import dev.trit.analysis.ResultFiles;
import dev.trit.cli.Main;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The plan's shards as Spark tasks in local[2] give exactly one in-process run's results. */
class SparkEvalTest {
    static final Path FIXTURES = Path.of(System.getProperty("trit.root", "..")).toAbsolutePath().normalize().resolve("fixtures");

    @Test
    void localTwoExecutorsEqualOneRun(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("plan.yaml");
        Files.writeString(plan, """
                models:
                  - path: %s
                    name: demo-llama
                    variant: hf-f16
                    variants: [quant:q8_0]
                  - path: %s
                    name: demo-bitnet
                    variant: hf-packed
                baseline: demo-llama/hf-f16
                tasks:
                  - ppl: wikitext-2-test
                    text: %s
                    ctx: 128
                    max-windows: 4
                  - mc: hellaswag
                    data: %s
                    limit: 4
                """.formatted(FIXTURES.resolve("hf/demo-llama-f16"), FIXTURES.resolve("hf/demo-bitnet-packed"),
                FIXTURES.resolve("data/wikitext-2/test.txt"), FIXTURES.resolve("data/hellaswag/hellaswag_val_first200.txt")));
        StringWriter o = new StringWriter(), e = new StringWriter();
        int rc = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), "eval", plan.toString(), "--out", dir.resolve("single").toString(), "--threads", "2");
        assertEquals(0, rc, () -> o + "\n" + e);
        SparkConf conf = new SparkConf().setAppName("trit eval test").setMaster("local[2]").set("spark.ui.enabled", "false");
        StringWriter so = new StringWriter();
        assertEquals(0, SparkEval.run(conf, plan, dir.resolve("spark"), 3, 1, new PrintWriter(so, true)), so::toString);
        assertEquals(ResultFiles.read(dir.resolve("single/results.arrow")).rows(), ResultFiles.read(dir.resolve("spark/results.arrow")).rows());
    }
}
