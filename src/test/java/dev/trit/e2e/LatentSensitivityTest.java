package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * trit sensitivity --source latent on the bundled demo-bitnet-bf16 (BitNet, autobitlinear online: latent
 * bf16 weights ternarized at load): the source is the latent weights un-ternarized, each unit ternarized
 * as the model does at load. Small contexts keep the class to a few seconds.
 */
class LatentSensitivityTest {
    static final Path MODEL = Cli.FIXTURES.resolve("hf/demo-bitnet-bf16");
    static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /**
     * The unit "model" (every linear ternarized) is the model as it normally loads: its KLD against the
     * latent source equals trit kld of the normally loaded model against trit logits --source latent on the
     * same windows, exactly.
     */
    @Test
    void wholeModelUnitEqualsKldOfTheTernarizedModelAgainstItsLatentWeights() throws Exception {
        Cli s = Cli.run("sensitivity", MODEL.toString(), TEXT.toString(), "--type", "tq2_0", "--source", "latent", "--by", "model",
                "--windows", "2", "--ctx", "64", "--json");
        assertEquals(0, s.exitCode(), s::toString);
        JsonNode root = JSON.readTree(s.out());
        assertEquals("latent", root.path("source").asText());
        JsonNode unit = root.path("units").get(0);
        assertEquals("model", unit.path("unit").asText());
        Path base = tmp.resolve("latent.arrow");
        Cli l = Cli.run("logits", MODEL.toString(), TEXT.toString(), "--source", "latent", "--ctx", "64", "--max-windows", "2", "--out", base.toString());
        assertEquals(0, l.exitCode(), l::toString);
        Cli k = Cli.run("kld", MODEL.toString(), TEXT.toString(), "--base", base.toString(), "--json");
        assertEquals(0, k.exitCode(), k::toString);
        JsonNode kj = JSON.readTree(k.out());
        assertEquals(kj.path("kld_mean").asDouble(), unit.path("kld_mean").asDouble(), 0.0);
        assertEquals(kj.path("delta_ppl").asDouble(), unit.path("delta_ppl").asDouble(), 0.0);
        assertEquals(kj.path("tokens").asLong(), unit.path("tokens").asLong());
        assertTrue(unit.path("kld_mean").asDouble() > 0);
        // the latent source is not the ternarized model: its own kld against itself is 0
        Cli self = Cli.run("kld", MODEL.toString(), TEXT.toString(), "--source", "latent", "--base", base.toString(), "--json");
        assertEquals(0, self.exitCode(), self::toString);
        assertEquals(0.0, JSON.readTree(self.out()).path("kld_mean").asDouble(), 1e-6);
    }

    /** Two runs per layer give the same numbers, bit for bit; every layer's ternarization costs something. */
    @Test
    void deterministicPerLayer() throws Exception {
        String[] args = {"sensitivity", MODEL.toString(), TEXT.toString(), "--type", "tq2_0", "--source", "latent", "--by", "layer",
                "--windows", "1", "--ctx", "64", "--json"};
        Cli a = Cli.run(args), b = Cli.run(args);
        assertEquals(0, a.exitCode(), a::toString);
        assertEquals(a.out(), b.out());
        JsonNode units = JSON.readTree(a.out()).path("units");
        assertEquals(4, units.size());
        for (JsonNode u : units) assertTrue(u.path("kld_mean").asDouble() > 0, u.toString());
    }

    /** Checkpoints without latent weights (packed trits, float models) and bad values are refused. */
    @Test
    void refusedWithoutLatentWeights() {
        Cli p = Cli.run("sensitivity", Cli.FIXTURES.resolve("hf/demo-bitnet-packed").toString(), TEXT.toString(), "--type", "tq2_0",
                "--source", "latent", "--windows", "1", "--ctx", "16");
        assertEquals(1, p.exitCode(), p::toString);
        assertTrue(p.err().contains("no latent weights"), p.err());
        Cli f = Cli.run("sensitivity", Cli.FIXTURES.resolve("hf/mini-llama-f16").toString(), TEXT.toString(), "--type", "tq2_0",
                "--source", "latent", "--windows", "1", "--ctx", "16");
        assertEquals(1, f.exitCode(), f::toString);
        assertTrue(f.err().contains("no latent weights"), f.err());
        Cli u = Cli.run("sensitivity", MODEL.toString(), TEXT.toString(), "--type", "tq2_0", "--source", "bf16");
        assertEquals(2, u.exitCode(), u::toString);
        Cli t = Cli.run("sensitivity", MODEL.toString(), TEXT.toString(), "--type", "tq2_0", "--windows", "1", "--ctx", "16");
        assertEquals(1, t.exitCode(), t::toString);
        assertTrue(t.err().contains("--source latent"), t.err());
    }
}
