package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {
    private static final Path SINGLE = Fixtures.hf("demo-llama-f16").resolve("model.safetensors");

    @TempDir
    Path dir;

    /** tensor name -> shard file, as written to the index */
    private final Map<String, String> weightMap = new TreeMap<>();

    /** Splits the fixture into two shards: layers 0-1 and the embedding in one, the rest in the other. */
    @BeforeEach
    void split() throws Exception {
        String a = "model-00001-of-00002.safetensors", b = "model-00002-of-00002.safetensors";
        try (SafetensorsFile f = SafetensorsFile.open(SINGLE)) {
            SafetensorsWriter wa = new SafetensorsWriter(dir.resolve(a)).metadata("format", "pt");
            SafetensorsWriter wb = new SafetensorsWriter(dir.resolve(b)).metadata("format", "pt");
            for (TensorInfo t : f.tensors()) {
                boolean first = t.name().startsWith("model.layers.0.") || t.name().startsWith("model.layers.1.")
                        || t.name().startsWith("model.embed");
                (first ? wa : wb).add(t.name(), (DType) t.type(), t.shape(), f.data(t));
                weightMap.put(t.name(), first ? a : b);
            }
            wa.write();
            wb.write();
        }
        writeIndex(weightMap);
    }

    private void writeIndex(Map<String, String> map) throws Exception {
        ObjectNode root = JsonFiles.MAPPER.createObjectNode();
        root.putObject("metadata").put("total_size", 8393216);
        ObjectNode wm = root.putObject("weight_map");
        map.forEach(wm::put);
        Files.writeString(dir.resolve(ShardedSafetensors.INDEX_NAME), JsonFiles.MAPPER.writeValueAsString(root));
    }

    @Test
    void unionEqualsTheSingleFile() throws Exception {
        try (SafetensorsFile single = SafetensorsFile.open(SINGLE);
             TensorFile sharded = ShardedSafetensors.openModelDir(dir)) {
            assertInstanceOf(ShardedSafetensors.class, sharded);
            assertEquals(single.tensors().size(), sharded.tensors().size());
            assertEquals(single.totalTensorBytes(), sharded.totalTensorBytes());
            assertEquals("8393216", sharded.stringMetadata().get("total_size"));
            Set<String> names = new HashSet<>();
            for (TensorInfo t : sharded.tensors()) {
                assertTrue(names.add(t.name()));
                TensorInfo s = single.find(t.name()).orElseThrow();
                assertEquals(s.type(), t.type());
                assertArrayEquals(s.shape(), t.shape());
                assertEquals(-1, single.data(s).mismatch(sharded.data(t)), t.name());
            }
            ShardedSafetensors sh = (ShardedSafetensors) sharded;
            assertEquals(2, sh.shards().size());
            assertEquals(dir.resolve(weightMap.get("model.norm.weight")).toAbsolutePath(),
                    sh.shardOf(sh.find("model.norm.weight").orElseThrow()).path().toAbsolutePath());
            // shards in name order, each in file order
            assertEquals("model.embed_tokens.weight", sharded.tensors().getFirst().name());
        }
    }

    @Test
    void modelDirPrefersTheSingleFile() throws Exception {
        Files.copy(SINGLE, dir.resolve("model.safetensors"));
        try (TensorFile f = ShardedSafetensors.openModelDir(dir)) {
            assertInstanceOf(SafetensorsFile.class, f);
        }
        try (TensorFile f = ShardedSafetensors.openModelDir(dir.resolve(ShardedSafetensors.INDEX_NAME))) {
            assertInstanceOf(ShardedSafetensors.class, f);
        }
        FormatException e = assertThrows(FormatException.class, () -> ShardedSafetensors.openModelDir(dir.resolve("nothing")));
        assertTrue(e.getMessage().contains("no such file or directory"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        e = assertThrows(FormatException.class, () -> ShardedSafetensors.openModelDir(empty));
        assertTrue(e.getMessage().contains("no model.safetensors or model.safetensors.index.json"), e.getMessage());
    }

    private void failsWith(String expected) {
        FormatException e = assertThrows(FormatException.class, () -> ShardedSafetensors.open(dir.resolve(ShardedSafetensors.INDEX_NAME)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void inconsistentIndexesAreRefused() throws Exception {
        Map<String, String> m = new TreeMap<>(weightMap);
        m.put("model.norm.weight", "model-00001-of-00002.safetensors");
        writeIndex(m);
        failsWith("tensor \"model.norm.weight\" is mapped to shard \"model-00001-of-00002.safetensors\" but is not in it");

        m = new TreeMap<>(weightMap);
        m.remove("model.norm.weight");
        writeIndex(m);
        failsWith("holds tensor \"model.norm.weight\", which the weight_map does not list");

        m = new TreeMap<>(weightMap);
        m.put("extra", "model-00003-of-00002.safetensors");
        writeIndex(m);
        failsWith("shard \"model-00003-of-00002.safetensors\" does not exist");

        m = new TreeMap<>(weightMap);
        m.put("model.norm.weight", "../elsewhere.safetensors");
        writeIndex(m);
        failsWith("not a file in the index's directory");

        Files.writeString(dir.resolve(ShardedSafetensors.INDEX_NAME), "{\"metadata\":{}}");
        failsWith("no weight_map");
        Files.writeString(dir.resolve(ShardedSafetensors.INDEX_NAME), "{\"weight_map\":{\"a\":1}}");
        failsWith("weight_map entry \"a\" is a JSON number");
        Files.writeString(dir.resolve(ShardedSafetensors.INDEX_NAME), "{\"weight_map\":");
        failsWith("not valid JSON");
    }

    @Test
    void brokenShardIsReported() throws Exception {
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        byte[] b = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(b, b.length - 10));
        FormatException e = assertThrows(FormatException.class, () -> ShardedSafetensors.open(dir.resolve(ShardedSafetensors.INDEX_NAME)));
        assertTrue(e.getMessage().startsWith(shard.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("past the end of the data"), e.getMessage());
    }

    @Test
    void closedShardsUnmap() throws Exception {
        ShardedSafetensors s = ShardedSafetensors.open(dir.resolve(ShardedSafetensors.INDEX_NAME));
        var seg = s.data(s.tensors().getLast());
        s.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
    }
}
