package dev.trit.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.DType;
import dev.trit.formats.TensorInfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * TEMPORARY, test-only: a bare-bones view of a trusted fixture .safetensors so the engine can be checked
 * against the oracles before branch {@code st} (dev.trit.formats.SafetensorsFile) is merged. No input
 * validation beyond what the fixtures need. TODO(lead): delete and use
 * WeightSource.of(SafetensorsFile.open(path)) once SafetensorsFile lands on main.
 */
final class InterimSafetensors implements WeightSource, AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment file;
    private final Map<String, TensorInfo> tensors = new HashMap<>();

    InterimSafetensors(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        byte[] header = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root = new ObjectMapper().readTree(new String(header, StandardCharsets.UTF_8));
        for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode n = e.getValue();
            long[] shape = new long[n.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = n.get("shape").get(i).asLong();
            long begin = n.get("data_offsets").get(0).asLong(), end = n.get("data_offsets").get(1).asLong();
            tensors.put(e.getKey(), new TensorInfo(e.getKey(), DType.valueOf(n.get("dtype").asText()), shape, 8 + headerLen + begin, end - begin));
        }
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public MemorySegment data(TensorInfo t) {
        return file.asSlice(t.offset(), t.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }
}
