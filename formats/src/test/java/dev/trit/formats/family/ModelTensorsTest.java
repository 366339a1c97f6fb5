package dev.trit.formats.family;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.DType;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tensors {@link ModelTensors} derives from a config against checkpoints transformers saved (the bundled
 * fixtures) and the replicas of Hub checkpoints (their safetensors headers copied from the Hub files): the
 * same names, nothing left over but what the model ignores, the same shapes (packed weights unpacked).
 */
class ModelTensorsTest {
    private static final Path BUNDLED = Path.of(System.getProperty("trit.root", "."), "fixtures", "hf");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"demo-bitnet-packed", "demo1-bitnet-packed", "demo-bitnet-bf16", "demo-llama-f16", "mini-bitnet-fp16", "mini-llama-f16"})
    void bundledCheckpoints(String name) throws IOException {
        matches(BUNDLED.resolve(name));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bitnet-2b4t", "falcon-e", "falcon-e-bf16", "gemma3-bf16", "llama-bitlinear-rmsnorm", "llama3-bitlinear",
            "llama32-bf16", "qwen25-bf16", "qwen3-bf16", "trilm-f16"})
    void hubReplicas(String name) throws IOException {
        matches(SharedFixtures.replica(name));
    }

    private static void matches(Path dir) throws IOException {
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            ModelSpec spec = Families.spec(ck.config());
            ModelTensors want = ModelTensors.of(spec);
            Set<String> stored = new LinkedHashSet<>();
            for (TensorInfo t : ck.weights().tensors()) {
                long[] shape = t.shape();
                if (t.type() == DType.U8) shape = new long[] {shape[0] * 4, shape[1]};
                if (want.ignorable(t.name())) {
                    assertFalse(want.has(t.name()), t.name());
                    continue;
                }
                assertTrue(want.has(t.name()), dir.getFileName() + ": stored " + t.name() + " is not in the derived list");
                assertArrayEquals(want.shape(t.name()), shape, t.name());
                assertTrue(want.mismatch(t.name(), shape).isEmpty());
                stored.add(t.name());
            }
            assertEquals(want.names(), stored, dir.getFileName() + ": every derived tensor is stored");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"demo-bitnet-packed", "demo-llama-f16"})
    void mismatchesAreNamed(String name) throws IOException {
        try (HfCheckpoint ck = HfCheckpoint.open(BUNDLED.resolve(name))) {
            ModelTensors want = ModelTensors.of(Families.spec(ck.config()));
            String q = "model.layers.0.self_attn.q_proj.weight";
            long[] shape = want.shape(q);
            String why = want.mismatch(q, new long[] {shape[0] / 2, shape[1]}).orElseThrow();
            assertTrue(why.contains(q) && why.contains("[" + shape[0] / 2 + ", " + shape[1] + "]"), why);
            assertTrue(want.mismatch("model.layers.99.mlp.up_proj.weight", shape).orElseThrow().contains("not part of"));
            assertThrows(IllegalArgumentException.class, () -> want.shape("model.layers.99.mlp.up_proj.weight"));
            // tied fixtures: a stored lm_head.weight is ignored, as transformers ties it
            assertTrue(want.ignorable("lm_head.weight"));
            assertFalse(want.has("lm_head.weight"));
        }
    }
}
