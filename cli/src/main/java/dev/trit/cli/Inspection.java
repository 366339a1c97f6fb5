package dev.trit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.DType;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgufArray;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufValue;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.HfConfig;
import dev.trit.formats.SafetensorsFile;
import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.family.Families;
import dev.trit.formats.family.GgufSpec;
import dev.trit.formats.family.ModelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code trit inspect} shows of a model file: its format, a summary of architecture and
 * tokenizer, and one row per tensor. Shapes are given as each format's own tools report them:
 * safetensors row-major (as Python's safetensors), GGUF in ne order (as gguf-py and gguf-dump).
 */
record Inspection(String format, Path path, Map<String, String> summary, ObjectNode metadata, List<Row> tensors) {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** GGUF arrays longer than this are summarised (length and first elements) in the JSON metadata. */
    private static final int ARRAY_HEAD = 16;

    /**
     * One tensor. {@code parameters} counts logical weights: a packed ternary uint8 tensor holds four
     * weights per byte, so its bits per weight is 2.
     */
    record Row(String name, String dtype, long[] shape, long bytes, long parameters) {
        double bitsPerWeight() {
            return parameters == 0 ? 0 : 8.0 * bytes / parameters;
        }
    }

    long totalBytes() {
        return tensors.stream().mapToLong(Row::bytes).sum();
    }

    long parameters() {
        return tensors.stream().mapToLong(Row::parameters).sum();
    }

    static Inspection of(Path path) throws IOException {
        if (!Files.exists(path)) throw new FormatException(path, "no such file or directory");
        if (Files.isDirectory(path)) return ofHfDir(path);
        String name = path.getFileName().toString().toLowerCase();
        if (name.endsWith(".gguf")) return ofGguf(path);
        if (name.endsWith(".safetensors")) return ofSafetensors(path);
        if (name.endsWith(".json") && name.contains("index")) return ofHfDir(path.toAbsolutePath().getParent());
        throw new FormatException(path, "not a .safetensors file, a .gguf file or a Hugging Face model directory");
    }

    private static Inspection ofSafetensors(Path path) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            ObjectNode meta = JSON.objectNode();
            f.stringMetadata().forEach(meta::put);
            Map<String, String> summary = new LinkedHashMap<>();
            summary.put("format", "safetensors (header " + f.dataStart() + " bytes)");
            return new Inspection("safetensors", path, summary, meta, rows(f, false));
        }
    }

    private static Inspection ofHfDir(Path dir) throws IOException {
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            HfConfig c = ckpt.config();
            Map<String, String> s = new LinkedHashMap<>();
            s.put("format", "Hugging Face checkpoint (" + ckpt.weights().getClass().getSimpleName() + ")");
            s.put("architecture", String.join(",", c.architectures()) + " (model_type " + c.modelType() + ")");
            putFamily(s, () -> Families.spec(c));
            s.put("layers", Integer.toString(c.numHiddenLayers()));
            s.put("hidden", Integer.toString(c.hiddenSize()));
            s.put("heads", c.numAttentionHeads() + " (kv " + c.numKeyValueHeads() + ", head_dim " + c.headDim() + ")");
            s.put("ffn", c.intermediateSize() + " (" + c.hiddenAct() + ")");
            s.put("vocab", Integer.toString(c.vocabSize()));
            s.put("rope_theta", fmt(c.ropeTheta()));
            s.put("rms_norm_eps", fmt(c.rmsNormEps()));
            s.put("tied_embeddings", Boolean.toString(c.tieWordEmbeddings()));
            c.dtype().ifPresent(d -> s.put("dtype", d));
            c.quantizationConfig().ifPresent(q -> s.put("quantization", q.quantMethod()
                    + q.linearClass().map(x -> "/" + x).orElse("") + q.quantizationMode().map(x -> "/" + x).orElse("")));
            c.weightBits().ifPresent(b -> s.put("weight_bits", Integer.toString(b)));
            ObjectNode meta = JSON.objectNode();
            meta.set("config", c.raw());
            ObjectNode tok = tokenizerSummary(dir);
            meta.set("tokenizer", tok);
            s.put("tokenizer", tok.path("summary").asText("none"));
            ObjectNode st = JSON.objectNode();
            ckpt.weights().stringMetadata().forEach(st::put);
            meta.set("safetensors_metadata", st);
            boolean packed = c.quantizationConfig().map(q -> q.quantMethod().equals("bitnet")).orElse(false);
            return new Inspection("hf", dir, s, meta, rows(ckpt.weights(), packed));
        }
    }

    /**
     * The family trit runs the model as and how its linears compute, or why trit would refuse to run it
     * (inspect still shows what is there).
     */
    private static void putFamily(Map<String, String> s, java.util.function.Supplier<ModelSpec> spec) {
        try {
            ModelSpec m = spec.get();
            s.put("family", m.family().name() + " (GGUF arch " + m.family().ggufArch() + ")");
            s.put("linears", m.linears().describe());
        } catch (IllegalArgumentException | IllegalStateException e) {
            s.put("family", "not runnable by trit: " + e.getMessage());
        }
    }

    /** Rows of a safetensors checkpoint; with {@code packedTernary}, uint8 weights count 4 per byte. */
    private static List<Row> rows(TensorFile f, boolean packedTernary) {
        List<Row> rows = new ArrayList<>();
        for (TensorInfo t : f.tensors()) {
            long params = t.elements();
            if (packedTernary && t.type() == DType.U8 && t.name().endsWith(".weight")) params *= 4;
            rows.add(new Row(t.name(), t.type().label(), t.shape(), t.byteSize(), params));
        }
        return rows;
    }

    private static ObjectNode tokenizerSummary(Path dir) throws IOException {
        ObjectNode tok = JSON.objectNode();
        Path json = dir.resolve("tokenizer.json");
        Path spm = dir.resolve("tokenizer.model");
        List<String> parts = new ArrayList<>();
        if (Files.isRegularFile(json)) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(json.toFile());
            } catch (IOException e) {
                throw new FormatException(json, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            JsonNode model = root.path("model");
            int vocab = model.path("vocab").size();
            int added = root.path("added_tokens").size();
            tok.put("file", "tokenizer.json");
            tok.put("model", model.path("type").asText("?"));
            tok.put("vocab", vocab);
            tok.put("added_tokens", added);
            tok.put("merges", model.path("merges").size());
            parts.add("tokenizer.json " + model.path("type").asText("?") + ", " + vocab + " tokens + " + added + " added, "
                    + model.path("merges").size() + " merges");
        }
        if (Files.isRegularFile(spm)) {
            tok.put("sentencepiece_model", "tokenizer.model");
            tok.put("sentencepiece_bytes", Files.size(spm));
            parts.add("SentencePiece tokenizer.model (" + Files.size(spm) + " bytes)");
        }
        tok.put("summary", parts.isEmpty() ? "none" : String.join("; ", parts));
        return tok;
    }

    private static Inspection ofGguf(Path path) throws IOException {
        try (GgufFile g = GgufFile.open(path)) {
            Map<String, String> s = new LinkedHashMap<>();
            s.put("format", "GGUF v" + g.version() + " (alignment " + g.alignment() + ", " + g.metadata().size() + " keys)");
            String arch = g.string("general.architecture").orElse("?");
            s.put("architecture", arch + g.string("general.name").map(n -> " (" + n + ")").orElse(""));
            if (!g.tensors().isEmpty()) {
                putFamily(s, () -> {
                    try {
                        return GgufSpec.of(g);
                    } catch (FormatException e) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                });
            }
            g.integer(arch + ".block_count").ifPresent(v -> s.put("layers", Long.toString(v)));
            g.integer(arch + ".embedding_length").ifPresent(v -> s.put("hidden", Long.toString(v)));
            g.integer(arch + ".attention.head_count").ifPresent(v -> s.put("heads", v
                    + g.integer(arch + ".attention.head_count_kv").stream().mapToObj(kv -> " (kv " + kv + ")").findFirst().orElse("")));
            g.integer(arch + ".feed_forward_length").ifPresent(v -> s.put("ffn", Long.toString(v)));
            g.integer(arch + ".context_length").ifPresent(v -> s.put("context", Long.toString(v)));
            g.real(arch + ".rope.freq_base").ifPresent(v -> s.put("rope_theta", fmt(v)));
            g.real(arch + ".attention.layer_norm_rms_epsilon").ifPresent(v -> s.put("rms_norm_eps", fmt(v)));
            g.integer("general.file_type").ifPresent(v -> s.put("file_type", Long.toString(v)));
            g.string("tokenizer.ggml.model").ifPresent(m -> {
                int n = g.stringArray("tokenizer.ggml.tokens").size();
                s.put("tokenizer", m + g.string("tokenizer.ggml.pre").map(p -> " (pre " + p + ")").orElse("") + ", " + n + " tokens"
                        + g.integer("tokenizer.ggml.bos_token_id").stream().mapToObj(b -> ", bos " + b).findFirst().orElse("")
                        + g.integer("tokenizer.ggml.eos_token_id").stream().mapToObj(b -> ", eos " + b).findFirst().orElse(""));
            });
            ObjectNode meta = JSON.objectNode();
            g.metadata().forEach((k, v) -> meta.set(k, json(v)));
            List<Row> rows = new ArrayList<>();
            for (TensorInfo t : g.tensors()) {
                rows.add(new Row(t.name(), t.type().label(), g.ne(t.name()), t.byteSize(), t.elements()));
            }
            return new Inspection("gguf", path, s, meta, rows);
        }
    }

    private static JsonNode json(GgufValue v) {
        return switch (v.type()) {
            case STRING -> JSON.textNode((String) v.value());
            case BOOL -> JSON.booleanNode((Boolean) v.value());
            case FLOAT32, FLOAT64 -> JSON.numberNode((Double) v.value());
            case ARRAY -> json((GgufArray) v.value());
            case UINT64 -> JSON.numberNode(new java.math.BigInteger(Long.toUnsignedString((Long) v.value())));
            default -> JSON.numberNode((Long) v.value());
        };
    }

    private static JsonNode json(GgufArray a) {
        ArrayNode head = JSON.arrayNode();
        int n = Math.min(a.size(), ARRAY_HEAD);
        for (int i = 0; i < n; i++) {
            head.add(switch (a.elementType()) {
                case STRING -> JSON.textNode(a.strings().get(i));
                case ARRAY -> json(a.arrays().get(i));
                case FLOAT32, FLOAT64 -> JSON.numberNode(a.real(i));
                case BOOL -> JSON.booleanNode(((boolean[]) a.values())[i]);
                default -> JSON.numberNode(a.integer(i));
            });
        }
        if (a.size() <= ARRAY_HEAD) return head;
        ObjectNode o = JSON.objectNode();
        o.put("array_of", a.elementType().name().toLowerCase());
        o.put("length", a.size());
        o.set("head", head);
        return o;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

}
