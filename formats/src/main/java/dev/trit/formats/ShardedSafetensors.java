package dev.trit.formats;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A checkpoint split over several safetensors files, described by a {@code model.safetensors.index.json}
 * whose {@code weight_map} names the shard of every tensor. The shards are opened and checked against
 * the index: every mapped tensor must be in its shard, and every shard tensor must be in the map.
 * Tensors are presented shard by shard (shards in file-name order), each shard in file order.
 */
public final class ShardedSafetensors implements TensorFile {
    /** The index file name Hugging Face uses. */
    public static final String INDEX_NAME = "model.safetensors.index.json";
    /** The single-file checkpoint name Hugging Face uses. */
    public static final String SINGLE_NAME = "model.safetensors";

    private final Path index;
    private final List<SafetensorsFile> shards;
    private final List<TensorInfo> tensors;
    private final Map<String, SafetensorsFile> shardOf;
    private final Map<String, TensorInfo> byName;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path index, List<SafetensorsFile> shards, Map<String, String> metadata) {
        this.index = index;
        this.shards = List.copyOf(shards);
        List<TensorInfo> all = new ArrayList<>();
        Map<String, SafetensorsFile> of = new HashMap<>();
        Map<String, TensorInfo> by = new HashMap<>();
        for (SafetensorsFile s : shards) {
            for (TensorInfo t : s.tensors()) {
                all.add(t);
                of.put(t.name(), s);
                by.put(t.name(), t);
            }
        }
        this.tensors = List.copyOf(all);
        this.shardOf = of;
        this.byName = by;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens the index file {@code index} and all shards it names (relative to its directory). */
    public static ShardedSafetensors open(Path index) throws IOException {
        JsonNode root = JsonFiles.readObject(index);
        JsonNode wm = root.get("weight_map");
        if (wm == null) throw new FormatException(index, "no weight_map");
        if (!wm.isObject()) throw new FormatException(index, "weight_map is a JSON " + JsonFiles.kind(wm) + ", not an object");
        Path dir = index.toAbsolutePath().getParent();
        // shard file name -> tensor names it should hold; TreeMap gives the shards in name order
        Map<String, List<String>> expected = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            JsonNode f = e.getValue();
            if (!f.isTextual()) {
                throw new FormatException(index, "weight_map entry " + JsonFiles.quote(e.getKey()) + " is a JSON "
                        + JsonFiles.kind(f) + ", not a file name");
            }
            String file = f.textValue();
            // A shard must sit beside the index: an index must not make us open arbitrary files.
            if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals(".") || file.equals("..")) {
                throw new FormatException(index, "weight_map entry " + JsonFiles.quote(e.getKey()) + " names "
                        + JsonFiles.quote(file) + ", not a file in the index's directory");
            }
            expected.computeIfAbsent(file, k -> new ArrayList<>()).add(e.getKey());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode md = root.get("metadata");
        if (md != null && md.isObject()) {
            for (Map.Entry<String, JsonNode> e : md.properties()) {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) metadata.put(e.getKey(), e.getValue().asText());
            }
        }

        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, String> seen = new HashMap<>();
            for (Map.Entry<String, List<String>> e : expected.entrySet()) {
                Path shardPath = dir.resolve(e.getKey());
                if (!Files.exists(shardPath)) throw new FormatException(index, "shard " + JsonFiles.quote(e.getKey()) + " does not exist");
                SafetensorsFile shard = SafetensorsFile.open(shardPath);
                opened.add(shard);
                for (String name : e.getValue()) {
                    if (shard.find(name).isEmpty()) {
                        throw new FormatException(index, "tensor " + JsonFiles.quote(name) + " is mapped to shard "
                                + JsonFiles.quote(e.getKey()) + " but is not in it");
                    }
                }
                for (TensorInfo t : shard.tensors()) {
                    String other = seen.put(t.name(), e.getKey());
                    if (other != null) {
                        throw new FormatException(index, "tensor " + JsonFiles.quote(t.name()) + " is in both shards "
                                + JsonFiles.quote(other) + " and " + JsonFiles.quote(e.getKey()));
                    }
                    JsonNode mapped = wm.get(t.name());
                    if (mapped == null || !mapped.textValue().equals(e.getKey())) {
                        throw new FormatException(index, "shard " + JsonFiles.quote(e.getKey()) + " holds tensor "
                                + JsonFiles.quote(t.name()) + ", which the weight_map "
                                + (mapped == null ? "does not list" : "maps to " + JsonFiles.quote(mapped.textValue())));
                    }
                }
            }
            return new ShardedSafetensors(index, opened, metadata);
        } catch (Throwable t) {
            for (SafetensorsFile s : opened) s.close();
            throw t;
        }
    }

    /**
     * Opens the weights of a Hugging Face model: {@code model.safetensors} if the directory has one,
     * otherwise {@code model.safetensors.index.json} and its shards (the order transformers tries).
     * {@code location} may also be a .safetensors file or an index file itself.
     */
    public static TensorFile openModelDir(Path location) throws IOException {
        if (Files.isRegularFile(location)) {
            return location.getFileName().toString().endsWith(".index.json") ? open(location) : SafetensorsFile.open(location);
        }
        if (!Files.isDirectory(location)) throw new FormatException(location, "no such file or directory");
        Path single = location.resolve(SINGLE_NAME);
        if (Files.isRegularFile(single)) return SafetensorsFile.open(single);
        Path idx = location.resolve(INDEX_NAME);
        if (Files.isRegularFile(idx)) return open(idx);
        throw new FormatException(location, "no " + SINGLE_NAME + " or " + INDEX_NAME + " in this directory");
    }

    /** The index file. */
    @Override
    public Path path() {
        return index;
    }

    /** The open shards, in the order their tensors are listed. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** The shard holding {@code tensor}. */
    public SafetensorsFile shardOf(TensorInfo tensor) {
        SafetensorsFile s = shardOf.get(tensor.name());
        if (s == null) throw new IllegalArgumentException("tensor " + tensor + " is not in " + index);
        return s;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The scalar entries of the index's {@code metadata} object (e.g. total_size), as text. */
    @Override
    public Map<String, String> stringMetadata() {
        return metadata;
    }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        return shardOf(tensor).data(tensor);
    }

    @Override
    public void close() {
        for (SafetensorsFile s : shards) s.close();
    }

    @Override
    public String toString() {
        return "ShardedSafetensors[" + index + ", " + shards.size() + " shards, " + tensors.size() + " tensors]";
    }
}
