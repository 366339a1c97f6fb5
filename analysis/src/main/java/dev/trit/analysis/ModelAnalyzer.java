package dev.trit.analysis;

import dev.trit.formats.HfPackedTernary;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.DType;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.HfCheckpoint;
import dev.trit.formats.HfConfig;
import dev.trit.formats.family.LinearSpec;
import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.TensorFile;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.TernaryCodec;
import dev.trit.formats.TernaryScales;
import dev.trit.formats.TernaryValues;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code trit analyze}: reads every linear weight matrix of the transformer blocks of a model (HF
 * checkpoint directory or GGUF file) as trits -- unpacking stored ternary weights, ternarizing latent
 * ones the way BitNet b1.58 does -- and measures them (see {@link TensorAnalysis}).
 */
public final class ModelAnalyzer {
    private ModelAnalyzer() {
    }

    private static final Pattern HF_LINEAR = Pattern.compile("model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(q|k|v|o|gate|up|down)_proj\\.weight");
    private static final Pattern GGUF_LINEAR = Pattern.compile("blk\\.(\\d+)\\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\\.weight");

    public static ModelAnalysis analyze(Path model) throws IOException {
        return analyze(model, true);
    }

    /** @param compress whether to measure compressed sizes (the slow part: LZMA2 on every matrix) */
    public static ModelAnalysis analyze(Path model, boolean compress) throws IOException {
        if (Files.isDirectory(model)) return analyzeHf(model, compress);
        if (!Files.isRegularFile(model)) throw new FormatException(model, "no such file or directory");
        if (model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) return analyzeGguf(model, compress);
        throw new FormatException(model, "not a Hugging Face model directory or a .gguf file");
    }

    static String modelName(Path model) {
        String n = model.toAbsolutePath().normalize().getFileName().toString();
        return n.toLowerCase(Locale.ROOT).endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }

    private static ModelAnalysis analyzeHf(Path dir, boolean compress) throws IOException {
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            HfConfig cfg = ck.config();
            TensorFile f = ck.weights();
            ModelSpec spec = ModelShape.spec(cfg, dir.resolve("config.json"));
            ModelShape shape = ModelShape.of(cfg.architectures().getFirst(), spec);
            // bitlinear stores 1/mean|W| (the layer divides by it); autobitlinear offline stores the multiplier.
            boolean scaleMultiplies = spec.linears().kind() == LinearSpec.Kind.AUTOBITLINEAR_OFFLINE;
            List<TensorAnalysis> out = new ArrayList<>();
            String variant = null;
            // SpectraSuite's TriLM: one scale per model-parallel shard
            int parallel = Math.max(0, cfg.raw().path("pretraining_model_parallel").asInt(0));
            for (TensorInfo t : f.tensors()) {
                Matcher m = HF_LINEAR.matcher(t.name());
                if (!m.matches()) continue;
                int layer = Integer.parseInt(m.group(1));
                if (t.rank() != 2) throw new FormatException(f.path(), t.name() + " has rank " + t.rank() + ", not 2");
                checkSize(f.path(), t);
                if (t.type() == DType.U8) {
                    String scaleName = t.name() + "_scale";
                    TensorInfo st = f.find(scaleName).orElseThrow(() -> new FormatException(f.path(),
                            t.name() + " is uint8 (packed ternary) but " + scaleName + " is missing"));
                    if (st.elements() != 1) throw new FormatException(f.path(), scaleName + " has " + st.elements() + " elements, not 1");
                    float ws = decodeFloats(f, st)[0];
                    if (!(ws > 0) || !Float.isFinite(ws)) throw new FormatException(f.path(), scaleName + " is " + ws);
                    byte[] trits;
                    try {
                        trits = HfPackedTernary.unpack(f.data(t), Math.toIntExact(t.dim(0)), Math.toIntExact(t.dim(1)));
                    } catch (IllegalArgumentException e) {
                        throw new FormatException(f.path(), t.name() + ": " + e.getMessage());
                    }
                    double scale = scaleMultiplies ? ws : 1.0 / ws;
                    out.add(measure(compress, t.name(), layer, 4 * t.dim(0), t.dim(1), "U8 packed", trits, scale, Double.NaN, Double.NaN,
                            Double.NaN, t.byteSize() + st.byteSize()));
                    variant = "hf-packed";
                } else {
                    float[] w = decodeFloats(f, t);
                    out.add(floatMatrix(compress, t, layer, t.type().label(), w, parallel));
                    if (variant == null) variant = "hf-" + t.type().label().toLowerCase(Locale.ROOT);
                }
            }
            if (out.isEmpty()) throw new FormatException(f.path(), "no linear weights named model.layers.N.(self_attn|mlp).*_proj.weight");
            return new ModelAnalysis(modelName(dir), variant, shape, out, f.totalTensorBytes(), parameters(f));
        }
    }

    private static ModelAnalysis analyzeGguf(Path file, boolean compress) throws IOException {
        try (GgufFile g = GgufFile.open(file)) {
            List<TensorAnalysis> out = new ArrayList<>();
            String variant = null;
            for (TensorInfo t : g.tensors()) {
                Matcher m = GGUF_LINEAR.matcher(t.name());
                if (!m.matches()) continue;
                int layer = Integer.parseInt(m.group(1));
                if (t.rank() != 2) throw new FormatException(file, t.name() + " has rank " + t.rank() + ", not 2");
                checkSize(file, t);
                GgmlType type = (GgmlType) t.type();
                BlockCodec codec = BlockCodec.find(type).orElseThrow(() -> new FormatException(file,
                        t.name() + " is " + type + ", which trit cannot decode"));
                int n = (int) t.elements();
                if (variant == null) variant = "gguf-" + type.label().toLowerCase(Locale.ROOT);
                if (codec instanceof TernaryCodec tc) {
                    TernaryValues v = tc.decodeTernary(g.data(t), n);
                    out.add(measure(compress, t.name(), layer, t.dim(0), t.dim(1), type.label(), v.trits(), scaleOf(v), Double.NaN,
                            Double.NaN, Double.NaN, t.byteSize()));
                } else {
                    float[] w = codec.decode(g.data(t), n);
                    out.add(floatMatrix(compress, t, layer, type.label(), w, 0));
                }
            }
            if (out.isEmpty()) throw new FormatException(file, "no linear weights named blk.N.(attn_*|ffn_*).weight");
            return new ModelAnalysis(modelName(file), variant, ModelShape.of(g), out, g.totalTensorBytes(), parameters(g));
        }
    }

    /**
     * A float matrix: ternary-valued (every value exactly trit × a scale of its row or column block,
     * as TriLM stores them) is reported as ternary with its scales; otherwise it is latent and
     * ternarized with the absmean rule.
     */
    private static TensorAnalysis floatMatrix(boolean compress, TensorInfo t, int layer, String type, float[] w, int parallel) {
        long out = t.dim(0), in = t.dim(1);
        var rec = TernaryScales.recognize(w, out, in, parallel);
        if (rec.isEmpty()) {
            Ternarizer.Result r = Ternarizer.ternarize(w);
            return measure(compress, t.name(), layer, out, in, type, r.trits(), r.scale(), r.meanAbs(), r.mse(), r.cosine(), t.byteSize());
        }
        TernaryScales s = rec.get().scales();
        double sum = 0;
        long nnz = 0;
        for (float x : w) {
            if (x != 0) {
                sum += Math.abs(x);
                nnz++;
            }
        }
        TensorAnalysis a = measure(compress, t.name(), layer, out, in, type + " trits", rec.get().trits(), sum / nnz, Double.NaN, Double.NaN,
                Double.NaN, t.byteSize());
        Map<StorageLayout, Long> layouts = new EnumMap<>(a.layoutBytes());
        java.util.Set<StorageLayout> fallback = java.util.EnumSet.noneOf(StorageLayout.class);
        boolean oneScale = s.distinctScales().length == 1;
        for (StorageLayout l : StorageLayout.values()) {
            if (!layouts.containsKey(l)) continue;
            switch (l) {
                case HF_PACKED, I2_S -> {
                    if (!oneScale) layouts.remove(l);
                }
                case TQ1_0, TQ2_0 -> {
                    if (!(s.alignsWith(256) && s.scalesAreF16())) {
                        StorageLayout.F16.bytes(out, in).ifPresent(b -> layouts.put(l, b));
                        fallback.add(l);
                    }
                }
                default -> {
                }
            }
        }
        return new TensorAnalysis(a.name(), a.layer(), out, in, a.storedAs(), a.stats(), a.scale(), a.meanAbsLatent(), a.mse(), a.cosine(),
                a.storedBytes(), layouts, a.codedBytes(), s, fallback);
    }

    /** The scale shared by the groups holding nonzero trits, or their mean if groups differ (TQ blocks). */
    private static double scaleOf(TernaryValues v) {
        var u = v.uniformScale();
        if (u.isPresent()) return u.getAsDouble();
        double sum = 0;
        int groups = 0;
        for (int gi = 0; gi < v.scales().length; gi++) {
            if (v.scales()[gi] != 0) {
                sum += Math.abs(v.scales()[gi]);
                groups++;
            }
        }
        return groups == 0 ? 0 : sum / groups;
    }

    private static void checkSize(Path file, TensorInfo t) throws FormatException {
        if (t.elements() > Integer.MAX_VALUE - 8) {
            throw new FormatException(file, t.name() + " has " + t.elements() + " weights, more than one array can hold");
        }
    }

    private static float[] decodeFloats(TensorFile f, TensorInfo t) throws FormatException {
        GgmlType g;
        if (t.type() instanceof DType d) {
            g = switch (d) {
                case F32 -> GgmlType.F32;
                case F16 -> GgmlType.F16;
                case BF16 -> GgmlType.BF16;
                default -> throw new FormatException(f.path(), t.name() + " is " + d + ", not a float or packed ternary tensor");
            };
        } else {
            g = (GgmlType) t.type();
        }
        MemorySegment data = f.data(t);
        return BlockCodec.of(g).decode(data, (int) t.elements());
    }

    /** Logical weights: a packed uint8 tensor of a BitNet checkpoint holds four per byte. */
    private static long parameters(TensorFile f) {
        long n = 0;
        for (TensorInfo t : f.tensors()) {
            boolean packed = t.type() == DType.U8 && f.find(t.name() + "_scale").isPresent();
            if (t.name().endsWith("weight_scale")) continue;
            n += packed ? 4 * t.elements() : t.elements();
        }
        return n;
    }

    static TensorAnalysis measure(boolean compress, String name, int layer, long out, long in, String storedAs, byte[] trits, double scale,
                                  double meanAbs, double mse, double cosine, long storedBytes) {
        Map<StorageLayout, Long> layouts = new EnumMap<>(StorageLayout.class);
        for (StorageLayout l : StorageLayout.values()) l.bytes(out, in).ifPresent(b -> layouts.put(l, b));
        Map<EntropyCoders, Long> coded = new EnumMap<>(EntropyCoders.class);
        if (compress) for (EntropyCoders c : EntropyCoders.values()) coded.put(c, c.compressedBytes(trits));
        return new TensorAnalysis(name, layer, out, in, storedAs, TritStats.of(trits), scale, meanAbs, mse, cosine,
                storedBytes, layouts, coded);
    }
}
