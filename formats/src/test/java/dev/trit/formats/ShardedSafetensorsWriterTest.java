package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsWriterTest {
    private static final Path SRC = Fixtures.hf("demo-bitnet-packed").resolve("model.safetensors");

    @TempDir
    Path dir;

    private List<Path> copy(Path out, long maxShard) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(SRC)) {
            ShardedSafetensorsWriter w = new ShardedSafetensorsWriter(out, maxShard).metadata("format", "pt");
            for (TensorInfo t : f.tensors()) w.add(t.name(), (DType) t.type(), t.shape(), f.data(t));
            return w.write();
        }
    }

    @Test
    void shardsRoundTrip() throws Exception {
        // 500 kB shards: the 2 MB embedding gets a shard of its own, the other 0.8 MB fill two more
        List<Path> files = copy(dir, 500_000);
        assertTrue(files.size() >= 4, files.toString());
        assertEquals(dir.resolve(ShardedSafetensors.INDEX_NAME), files.getLast());
        try (SafetensorsFile src = SafetensorsFile.open(SRC); TensorFile out = ShardedSafetensors.openModelDir(dir)) {
            ShardedSafetensors sh = assertInstanceOf(ShardedSafetensors.class, out);
            assertEquals(files.size() - 1, sh.shards().size());
            for (SafetensorsFile s : sh.shards()) {
                assertTrue(s.totalTensorBytes() <= 500_000 || s.tensors().size() == 1, s.toString());
                assertEquals("pt", s.stringMetadata().get("format"));
            }
            assertEquals(src.tensors().size(), out.tensors().size());
            assertEquals(String.valueOf(src.totalTensorBytes()), out.stringMetadata().get("total_size"));
            for (TensorInfo t : src.tensors()) {
                TensorInfo o = out.find(t.name()).orElseThrow();
                assertEquals(-1, src.data(t).mismatch(out.data(o)), t.name());
            }
        }
    }

    @Test
    void oneShardIsAPlainModelFile() throws Exception {
        List<Path> files = copy(dir, Long.MAX_VALUE);
        assertEquals(List.of(dir.resolve("model.safetensors")), files);
        assertArrayEquals(Files.readAllBytes(SRC), Files.readAllBytes(files.getFirst()));
        // writing sharded next to it would leave two checkpoints in one directory
        FormatException e = assertThrows(FormatException.class, () -> copy(dir, 1_000_000));
        assertTrue(e.getMessage().contains("would conflict"), e.getMessage());
    }
}
