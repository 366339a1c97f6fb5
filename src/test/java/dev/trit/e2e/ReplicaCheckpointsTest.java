package dev.trit.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tiny replicas of Hub checkpoints as a new user runs them: {@code trit inspect} names the family and
 * how the linears compute, and {@code trit ppl} (its default transformers protocol, ctx 256: [BOS] + 255
 * tokens per window, the config's bos_token_id) reproduces transformers' perplexity of the same windows
 * (oracle/replicas/NAME.npz, wt2/nll). Four windows here; the engine's ReplicaOracleTest holds all 40 and
 * per-token bounds. Tolerance: float replicas 1e-4 relative (measured <= 3e-7 over 40 windows); replicas
 * whose BitLinear quantizes activations to int8 drift after an int8 rounding flip, either way (see
 * ReplicaOracleTest), which over only 4 windows (1,020 tokens) can reach ~1e-3: 2e-3.
 */
class ReplicaCheckpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WINDOWS = 4;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "bitnet-2b4t | bitnet-b1.58 | BitLinear | true",
            "llama3-bitlinear | llama | BitLinear | true",
            "falcon-e | llama | BitLinear | true",
            "falcon-e-bf16 | llama | float | false",
            "llama-bitlinear-rmsnorm | llama | per-linear RMSNorm | true",
            "trilm-f16 | llama | float | false",
            "llama32-bf16 | llama | float | false",
            "qwen25-bf16 | qwen2 | float | false",
            "qwen3-bf16 | qwen3 | float | false",
            "gemma3-bf16 | gemma3 | float | false",
    })
    void inspectAndPerplexity(String name, String family, String linears, boolean int8) throws Exception {
        Path dir = SharedFixtures.replica(name);
        Cli inspect = Cli.run("inspect", dir.toString());
        assertEquals(0, inspect.exitCode(), inspect::toString);
        assertTrue(inspect.out().lines().anyMatch(l -> l.matches("\\s*family\\s+" + family.replace(".", "\\.") + " .*")), inspect::toString);
        assertTrue(inspect.out().lines().anyMatch(l -> l.matches("\\s*linears\\s+.*") && l.contains(linears)), inspect::toString);

        Path text = SharedFixtures.require("../data/wikitext-2/test.txt");
        Cli r = Cli.run("ppl", dir.toString(), text.toString(), "--ctx", "256", "--max-windows", Integer.toString(WINDOWS), "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = JSON.readTree(r.out());
        double[] nll = SharedFixtures.npz("oracle/replicas/" + name + ".npz").get("wt2/nll").data();
        int n = WINDOWS * 255;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += nll[i] / n;
        double expected = Math.exp(mean), got = j.get("perplexity").asDouble();
        System.out.printf(Locale.ROOT, "%s: trit ppl %.4f, transformers %.4f (rel %.1e)%n", name, got, expected, Math.abs(got / expected - 1));
        assertEquals(n, j.get("tokens").asInt());
        assertEquals(1, got / expected, int8 ? 2e-3 : 1e-4, name);
    }
}
