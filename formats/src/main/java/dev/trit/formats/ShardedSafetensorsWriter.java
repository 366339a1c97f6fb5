package dev.trit.formats;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a Hugging Face checkpoint's weights into a directory, split like transformers'
 * {@code save_pretrained}: tensors in the order added fill a shard until the next would push it past
 * {@code maxShardBytes} (a tensor larger than that gets a shard of its own). One shard is written as
 * {@code model.safetensors}; several as {@code model-0000i-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json}, written last so an interrupted run leaves no index.
 * Each file is written atomically by {@link SafetensorsWriter}; tensors stream as there.
 */
public final class ShardedSafetensorsWriter {
    private record Pending(String name, DType dtype, long[] shape, long bytes, SafetensorsWriter.TensorSource source) {
    }

    private final Path dir;
    private final long maxShardBytes;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public ShardedSafetensorsWriter(Path dir, long maxShardBytes) {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive");
        this.dir = dir;
        this.maxShardBytes = maxShardBytes;
    }

    /** Adds a {@code __metadata__} entry to every shard. */
    public ShardedSafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public ShardedSafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment data) {
        long bytes = Math.multiplyExact(elements(shape), (long) dtype.elementBytes());
        if (data.byteSize() != bytes) throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes given, needs " + bytes);
        return add(name, dtype, shape, sink -> sink.write(data));
    }

    public ShardedSafetensorsWriter add(String name, DType dtype, long[] shape, SafetensorsWriter.TensorSource source) {
        if (!names.add(name)) throw new IllegalArgumentException("tensor " + name + " added twice");
        pending.add(new Pending(name, dtype, shape.clone(), Math.multiplyExact(elements(shape), (long) dtype.elementBytes()), source));
        return this;
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + java.util.Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Writes all shards (and the index if more than one); returns the files written, index last. */
    public List<Path> write() throws IOException {
        List<List<Pending>> shards = new ArrayList<>();
        List<Pending> current = new ArrayList<>();
        long size = 0;
        for (Pending p : pending) {
            if (!current.isEmpty() && size + p.bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(p);
            size += p.bytes;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);

        Path single = dir.resolve(ShardedSafetensors.SINGLE_NAME), index = dir.resolve(ShardedSafetensors.INDEX_NAME);
        // A leftover file of the other layout would shadow or contradict the new one.
        Path stale = shards.size() == 1 ? index : single;
        if (Files.exists(stale)) throw new FormatException(stale, "already exists and would conflict with the checkpoint being written");

        List<Path> out = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String file = shards.size() == 1 ? ShardedSafetensors.SINGLE_NAME
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter w = new SafetensorsWriter(dir.resolve(file)).metadata(metadata);
            for (Pending p : shards.get(i)) {
                w.add(p.name, p.dtype, p.shape, p.source);
                weightMap.put(p.name, file);
                total += p.bytes;
            }
            w.write();
            out.add(dir.resolve(file));
        }
        if (shards.size() > 1) {
            ObjectNode root = JsonFiles.MAPPER.createObjectNode();
            root.putObject("metadata").put("total_size", total);
            ObjectNode wm = root.putObject("weight_map");
            weightMap.forEach(wm::put);
            byte[] json = JsonFiles.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
            Path tmp = dir.resolve("." + ShardedSafetensors.INDEX_NAME + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                Files.write(tmp, json, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.move(tmp, index, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (Throwable t) {
                Files.deleteIfExists(tmp);
                throw t;
            }
            out.add(index);
        }
        return out;
    }
}
