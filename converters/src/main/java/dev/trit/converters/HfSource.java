package dev.trit.converters;

import dev.trit.formats.HfPackedTernary;
import dev.trit.formats.TensorNames;
import com.fasterxml.jackson.databind.JsonNode;
import dev.trit.formats.DType;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgufValue;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.HfConfig;
import dev.trit.formats.Half;
import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.family.BitNetB158;
import dev.trit.formats.family.Bitnet1bitLLM;
import dev.trit.formats.family.Families;
import dev.trit.formats.family.Family;
import dev.trit.formats.family.Llama;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Opens a Hugging Face checkpoint directory for conversion. BitLinear weights come out ternary: packed
 * uint8 weights are unpacked with their weight_scale (bitlinear: the stored scale is the multiplier
 * 1/mean|W|; autobitlinear offline: it multiplies); latent (bf16/fp16/f32) weights of a BitNet model
 * are ternarized with its absmean rule (1-bit models, weight_bits 1: binarized with sign(W - mean W)).
 * Everything else is read as floats.
 */
public final class HfSource {
    /** Side files carried along to GGUF (as trit.hf.* metadata) and back. */
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer.model", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json");

    private HfSource() {
    }

    public static SourceModel open(Path dir) throws IOException {
        HfCheckpoint ck = HfCheckpoint.open(dir);
        try {
            HfConfig c = ck.config();
            Family family = family(dir, c);
            int weightBits = ModelSpec.bitnetFamily(family) && c.modelType().equals("bitnet") && c.weightBits().orElse(0) == 1 ? 1 : 0;
            dev.trit.formats.family.ModelSpec model;
            try {
                model = Families.spec(c);
            } catch (IllegalArgumentException e) {
                model = null; // conversion moves tensors; only the engine needs every key understood
            }
            if (model == null && !(family instanceof Llama) && !ModelSpec.bitnetFamily(family)) {
                // qwen2/qwen3/gemma3 metadata (head_dim, sliding windows, rope) is written from the spec
                try {
                    Families.spec(c);
                } catch (IllegalArgumentException e) {
                    throw new FormatException(dir.resolve("config.json"), e.getMessage());
                }
            }
            String configText = Files.readString(dir.resolve("config.json"), StandardCharsets.UTF_8);
            ModelSpec spec = new ModelSpec(family, displayName(dir), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                    c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.rmsNormEps(), c.ropeTheta(),
                    c.maxPositionEmbeddings(), c.tieWordEmbeddings(), c.bosTokenId().orElse(-1), c.eosTokenId().orElse(-1),
                    weightBits, configText, ModelSpec.linears(family, c), model);
            Map<String, byte[]> side = new LinkedHashMap<>();
            for (String f : SIDE_FILES) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) side.put(f, Files.readAllBytes(p));
            }
            // before anything is sized by config.json (the tokenizer's arrays by vocab_size: an absurd one ran
            // the heap out) or written from it (a GGUF whose metadata contradicts its tensors)
            checkShapes(dir, ck.weights(), c, model);
            List<SourceTensor> tensors = tensors(ck.weights(), c, spec, weightBits == 1);
            Map<String, GgufValue> tok = HfTokenizer.ggufMetadata(dir, c, ck.tokenizerConfig());
            return new SourceModel(spec, tok, side, tensors, ck);
        } catch (Throwable t) {
            ck.close();
            throw t;
        }
    }

    static Family family(Path dir, HfConfig c) throws FormatException {
        String arch = c.architectures().isEmpty() ? "" : c.architectures().getFirst();
        if (c.modelType().equals("bitnet") || arch.equals("BitNetForCausalLM")) return BitNetB158.INSTANCE;
        if (arch.equals("BitnetForCausalLM")) return Bitnet1bitLLM.INSTANCE;
        var known = Families.forHfArchitecture(arch);
        if (known.isPresent()) return known.get();
        if (c.modelType().equals("llama")) return Llama.INSTANCE;
        throw new FormatException(dir.resolve("config.json"), "model_type " + c.modelType() + " / " + arch
                + " is not a model trit converts (" + String.join(", ", Families.ALL.stream().flatMap(f -> f.hfArchitectures().stream()).toList()) + ")");
    }

    /** gguf-py's default general.name for a model directory: its name, words capitalized. */
    static String displayName(Path dir) {
        String base = dir.toAbsolutePath().normalize().getFileName().toString();
        StringBuilder b = new StringBuilder();
        for (String w : base.split("[-_ ]+")) {
            if (w.isEmpty()) continue;
            if (!b.isEmpty()) b.append(' ');
            b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return b.toString();
    }

    /** The checkpoint's tensors ({@link ShapeCheck}; packed weights by their unpacked shape). */
    private static void checkShapes(Path dir, TensorFile file, HfConfig c, dev.trit.formats.family.ModelSpec model) throws FormatException {
        Map<String, long[]> stored = new LinkedHashMap<>();
        for (TensorInfo t : file.tensors()) {
            long[] shape = t.shape();
            stored.put(t.name(), t.type() == DType.U8 && shape.length == 2 ? new long[] {shape[0] * 4, shape[1]} : shape);
        }
        if (model != null) ShapeCheck.against(dir, model, stored);
        else ShapeCheck.dimensions(dir, "num_hidden_layers", c.numHiddenLayers(), c.vocabSize(), c.hiddenSize(), stored);
    }

    private static List<SourceTensor> tensors(TensorFile file, HfConfig c, ModelSpec spec, boolean oneBit) throws IOException {
        Optional<HfConfig.QuantizationConfig> qc = c.quantizationConfig();
        boolean scaleMultiplies = qc.flatMap(HfConfig.QuantizationConfig::linearClass).map(l -> l.equals("autobitlinear")).orElse(false);
        List<SourceTensor> out = new ArrayList<>();
        // llama.cpp's order: shards in name order, tensors by name within each (safetensors keys order).
        // (safe_open's keys() are sorted by name; shards are read in file-name order)
        java.util.Comparator<TensorInfo> byName = (a, b) -> java.util.Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
                b.name().getBytes(StandardCharsets.UTF_8));
        List<TensorInfo> order = new ArrayList<>();
        if (file instanceof dev.trit.formats.ShardedSafetensors sh) {
            for (dev.trit.formats.SafetensorsFile shard : sh.shards()) {
                List<TensorInfo> part = new ArrayList<>(file.tensors().stream().filter(t -> sh.shardOf(t) == shard).toList());
                part.sort(byName);
                order.addAll(part);
            }
        } else {
            order.addAll(file.tensors());
            order.sort(byName);
        }
        for (TensorInfo t : order) {
            if (t.name().endsWith(".weight_scale")) continue;
            Optional<String> g = TensorNames.toGguf(spec.family(), t.name()).or(() -> TensorNames.toGguf(t.name()));
            if (g.isEmpty()) {
                if (t.name().equals("lm_head.weight") || t.name().endsWith("rotary_emb.inv_freq")) continue;
                throw new FormatException(file.path(), "tensor " + t.name() + " has no GGUF name (not a " + spec.family().name() + " tensor)");
            }
            String name = g.get();
            DType dt = (DType) t.type();
            long[] shape = t.shape();
            MemorySegment data = file.data(t);
            boolean bitLinear = spec.bitLinear(name);
            if (dt == DType.U8) {
                if (!bitLinear || shape.length != 2) throw new FormatException(file.path(), "uint8 tensor " + t.name() + " is not a packed BitLinear weight");
                String scaleName = t.name() + "_scale";
                TensorInfo si = file.find(scaleName).orElseThrow(() -> new FormatException(file.path(), "packed " + t.name() + " has no " + scaleName));
                if (si.elements() != 1 || !Elements.isFloat((DType) si.type())) throw new FormatException(file.path(), scaleName + " is not one float");
                float[] sv = new float[1];
                Elements.read(file.data(si), (DType) si.type(), 0, sv, 1);
                float stored = sv[0];
                if (!(stored > 0) || Float.isInfinite(stored)) throw new FormatException(file.path(), scaleName + " is " + stored);
                long out4 = shape[0] * 4, in = shape[1];
                long[] full = {out4, in};
                Path file0 = file.path();
                SourceTensor.RowReader<byte[]> r = (row0, nrows, dst) -> {
                    try {
                        HfPackedTernary.unpackRows(data, out4, in, row0, nrows, dst);
                    } catch (IllegalArgumentException e) {
                        throw new FormatException(file0, "tensor " + t.name() + ": " + e.getMessage());
                    }
                };
                float scale = scaleMultiplies ? stored : 1f / stored, inverse = scaleMultiplies ? 1f / stored : stored;
                out.add(new SourceTensor.Ternary(name, full, t.byteSize() + si.byteSize(), "U8", r, scale, inverse));
                continue;
            }
            if (!Elements.isFloat(dt)) throw new FormatException(file.path(), "tensor " + t.name() + " has dtype " + dt + ", not a float type");
            if (shape.length == 0) shape = new long[] {1};
            SourceTensor.Floats f = new SourceTensor.Floats(name, shape, t.byteSize(), dt.label(), Elements.rows(data, dt, shape[shape.length - 1]));
            out.add(!bitLinear ? f : oneBit ? Ternarizer.binarize(f) : Ternarizer.ternarize(f));
        }
        return out;
    }

    /** config.json as a tree, for writers that start from the source's own config. */
    static JsonNode configTree(String text) throws IOException {
        return com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(text);
    }
}
