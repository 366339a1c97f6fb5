package dev.trit.converters;

import dev.trit.formats.HfConfig;
import dev.trit.formats.JsonFiles;
import dev.trit.formats.family.Families;
import dev.trit.formats.family.Family;
import dev.trit.formats.family.GgufSpec;
import dev.trit.formats.family.Llama;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufArray;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufTensor;
import dev.trit.formats.GgufValue;
import dev.trit.formats.GgufValueType;
import dev.trit.formats.Half;
import dev.trit.formats.TensorNames;
import dev.trit.formats.Tq1Codec;
import dev.trit.formats.Tq2Codec;
import dev.trit.formats.TernaryCodec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a GGUF file (llama.cpp's {@code llama}/{@code bitnet}, bitnet.cpp's {@code bitnet-b1.58}) for
 * conversion. TQ1_0/TQ2_0/I2_S weights come out ternary when every block with a nonzero trit shares
 * one scale (what every BitNet converter writes); F16/BF16/F32 BitLinear weights are taken as ternary
 * when they hold {-m, 0, +m} only (llama.cpp's F16 files) and otherwise ternarized by absmean. LLaMA Q
 * and K rows are permuted back to HF order.
 */
public final class GgufSource {
    /** Metadata prefix under which trit keeps Hugging Face side files (config.json, tokenizer files). */
    public static final String HF_FILE_PREFIX = "trit.hf.";

    private GgufSource() {
    }

    public static SourceModel open(Path path) throws IOException {
        GgufFile f = GgufFile.open(path);
        try {
            String arch = f.architecture();
            Family family = Families.forGgufArch(arch).orElseThrow(() -> new FormatException(path,
                    "architecture '" + arch + "' is not one trit converts (" + String.join(", ", Families.ALL.stream().map(Family::ggufArch).toList()) + ")"));
            Map<String, GgufValue> md = f.metadata();
            Map<String, byte[]> side = new LinkedHashMap<>();
            Map<String, GgufValue> tok = new LinkedHashMap<>();
            md.forEach((k, v) -> {
                if (k.startsWith("tokenizer.")) tok.put(k, v);
                if (k.startsWith(HF_FILE_PREFIX)) {
                    String file = k.substring(HF_FILE_PREFIX.length());
                    if (v.type() == GgufValueType.STRING) side.put(file, v.asString().getBytes(StandardCharsets.UTF_8));
                    else if (v.type() == GgufValueType.ARRAY && v.asArray().elementType() == GgufValueType.UINT8) {
                        side.put(file, ((byte[]) v.asArray().values()).clone());
                    }
                }
            });
            byte[] cfg = side.remove("config.json");
            if (!side.containsKey("tokenizer.json") && !side.containsKey("tokenizer.model")) {
                // a GGUF from another tool: rebuild the HF tokenizer from tokenizer.ggml.*
                side.putAll(GgufTokenizerFiles.files(tok));
            }
            String a = arch + ".";
            int hidden = (int) req(f, a + "embedding_length"), heads = (int) req(f, a + "attention.head_count");
            int kv = (int) f.integer(a + "attention.head_count_kv").orElse(heads);
            int headDim = (int) f.integer(a + "attention.key_length").orElse(hidden / heads);
            List<String> tokens = f.stringArray("tokenizer.ggml.tokens");
            int vocab = (int) f.integer(a + "vocab_size").orElse(tokens.size());
            boolean tied = f.find("output.weight").isEmpty();
            int weightBits = (int) f.integer("trit.weight_bits").orElse(0);
            HfConfig hfConfig = null;
            if (cfg != null) {
                try {
                    hfConfig = HfConfig.parse(path, JsonFiles.parseObject(path, cfg, GgufSpec.HF_CONFIG_KEY));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(path, GgufSpec.HF_CONFIG_KEY + ": " + e.getMessage());
                }
            }
            dev.trit.formats.family.ModelSpec model;
            try {
                model = GgufSpec.of(f);
            } catch (IllegalArgumentException e) {
                model = null; // conversion moves tensors; only the engine needs a model it can run
            }
            ModelSpec spec = new ModelSpec(family, f.string("general.name").orElse(""), hidden, (int) req(f, a + "feed_forward_length"),
                    (int) req(f, a + "block_count"), heads, kv, headDim, vocab,
                    f.real(a + "attention.layer_norm_rms_epsilon").orElse(1e-5),
                    f.real(a + "rope.freq_base").orElse(family instanceof Llama ? 10000.0 : 500000.0),
                    (int) f.integer(a + "context_length").orElse(2048), tied,
                    (int) f.integer("tokenizer.ggml.bos_token_id").orElse(-1), (int) f.integer("tokenizer.ggml.eos_token_id").orElse(-1),
                    weightBits, cfg == null ? null : new String(cfg, StandardCharsets.UTF_8), ModelSpec.linears(family, hfConfig), model);
            checkShapes(f, model, family, a, vocab, hidden);
            List<SourceTensor> tensors = new ArrayList<>();
            for (GgufTensor t : f.ggufTensors()) {
                // llama3 RoPE divisors: derived data, written again from the config on the way to GGUF
                if (t.name().equals(GgufTarget.ROPE_FREQS)) continue;
                tensors.add(tensor(f, t, spec));
            }
            return new SourceModel(spec, tok, side, tensors, f, md);
        } catch (Throwable t) {
            f.close();
            throw t;
        }
    }

    /**
     * The file's tensors, by their HF names (unmapped ones by their own), against the model its metadata
     * describes ({@link ShapeCheck}); llama3's rope_freqs is derived data, not a weight.
     */
    private static void checkShapes(GgufFile f, dev.trit.formats.family.ModelSpec model, Family family, String a, long vocab, long hidden)
            throws FormatException {
        Family names = model != null ? model.family() : family;
        Map<String, long[]> stored = new LinkedHashMap<>();
        for (GgufTensor t : f.ggufTensors()) {
            if (t.name().equals(GgufTarget.ROPE_FREQS)) continue;
            stored.put(TensorNames.toHf(names, t.name()).orElse(t.name()), t.info().shape());
        }
        if (model != null) ShapeCheck.against(f.path(), model, stored);
        else ShapeCheck.dimensions(f.path(), a + "block_count", req(f, a + "block_count"), vocab, hidden, stored);
    }

    private static long req(GgufFile f, String key) throws FormatException {
        return f.integer(key).orElseThrow(() -> new FormatException(f.path(), "metadata " + key + " is missing"));
    }

    private static SourceTensor tensor(GgufFile f, GgufTensor gt, ModelSpec spec) throws IOException {
        String name = gt.name();
        long[] shape = gt.info().shape();
        long cols = shape[shape.length - 1];
        long rows = gt.info().elements() / cols;
        GgmlType type = gt.type();
        MemorySegment data = f.data(gt.info());
        long bytes = gt.info().byteSize();
        boolean bitLinear = spec.bitLinear(name);
        long headRows = spec.headDim();
        boolean permuted = spec.family().ggufPermutesQk() && (name.endsWith("attn_q.weight") || name.endsWith("attn_k.weight"));
        if (permuted) QkPermutation.check(rows, headRows);
        if (type == GgmlType.Q1_0) {
            SourceTensor.Ternary t = signs(f, name, shape, rows, cols, data, bytes);
            if (permuted) {
                return new SourceTensor.Ternary(name, shape, bytes, type.label(),
                        QkPermutation.permutedTrits(t.reader(), cols, headRows, false), t.scale(), t.inverse());
            }
            return t;
        }
        if (type.isTernary()) {
            SourceTensor.Ternary t = ternary(f, name, shape, rows, cols, type, data, bytes);
            if (t != null) {
                if (permuted) {
                    return new SourceTensor.Ternary(name, shape, bytes, type.label(),
                            QkPermutation.permutedTrits(t.reader(), cols, headRows, false), t.scale(), t.inverse());
                }
                return t;
            }
        }
        if (dev.trit.formats.BlockCodec.find(type).isEmpty()) {
            throw new FormatException(f.path(), "tensor " + name + " has type " + type + ", which trit cannot convert");
        }
        SourceTensor.RowReader<float[]> r = Elements.rows(data, type, cols);
        if (permuted) r = QkPermutation.permuted(r, cols, headRows, false);
        if (NormShift.applies(spec.family(), name)) r = NormShift.minusOne(r, cols);
        SourceTensor.Floats fl = new SourceTensor.Floats(name, shape, bytes, type.label(), r);
        if (!bitLinear) return fl;
        SourceTensor.Ternary exact = Ternarizer.exactTernary(fl);
        return exact != null ? exact : Ternarizer.ternarize(fl);
    }

    /** The ternary view of a TQ1_0/TQ2_0/I2_S tensor, or null if its block scales differ. */
    private static SourceTensor.Ternary ternary(GgufFile f, String name, long[] shape, long rows, long cols, GgmlType type,
                                                MemorySegment data, long bytes) throws FormatException {
        if (type == GgmlType.I2_S) {
            long n = rows * cols;
            float scale = data.get(Elements.F32, n / 4);
            SourceTensor.RowReader<byte[]> r = (row0, nrows, dst) -> {
                try {
                    i2sTrits(data, row0 * cols, Math.toIntExact(nrows * cols), dst);
                } catch (IllegalArgumentException e) {
                    throw new FormatException(f.path(), "tensor " + name + ": " + e.getMessage());
                }
            };
            return new SourceTensor.Ternary(name, shape, bytes, type.label(), r, scale, 1f / scale);
        }
        int blockBytes = type.blockBytes(), dAt = blockBytes - 2;
        long blocks = rows * cols / 256;
        short d = 0;
        boolean zeroBlocks = false;
        for (long b = 0; b < blocks; b++) {
            short db = data.get(Elements.I16, b * blockBytes + dAt);
            if (db == 0) {
                zeroBlocks = true;
                continue;
            }
            if (d == 0) d = db;
            else if (db != d) return null;
        }
        if (d == 0) return null;
        float scale = Half.f16ToFloat(d);
        TernaryCodec codec = type == GgmlType.TQ1_0 ? Tq1Codec.INSTANCE : Tq2Codec.INSTANCE;
        long rowBytes = type.bytesFor(cols);
        boolean zb = zeroBlocks;
        SourceTensor.RowReader<byte[]> r = (row0, nrows, dst) -> {
            MemorySegment slice = data.asSlice(row0 * rowBytes, nrows * rowBytes);
            int n = Math.toIntExact(nrows * cols);
            byte[] t;
            try {
                t = codec.decodeTernary(slice, n).trits();
            } catch (IllegalArgumentException e) {
                throw new FormatException(f.path(), "tensor " + name + ": " + e.getMessage());
            }
            if (zb) {
                // a block stored with scale 0 holds zeros whatever its codes say
                for (int b = 0; b < n / 256; b++) {
                    if (slice.get(Elements.I16, (long) b * blockBytes + dAt) == 0) java.util.Arrays.fill(t, b * 256, b * 256 + 256, (byte) 0);
                }
            }
            System.arraycopy(t, 0, dst, 0, n);
        };
        return new SourceTensor.Ternary(name, shape, bytes, type.label(), r, scale, 1f / scale);
    }

    /** A Q1_0 tensor as ±1 trits; its blocks must share one scale (see GgufTarget.packQ1). */
    private static SourceTensor.Ternary signs(GgufFile f, String name, long[] shape, long rows, long cols, MemorySegment data, long bytes)
            throws FormatException {
        long blocks = rows * cols / 128;
        short d = data.get(Elements.I16, 0);
        for (long b = 1; b < blocks; b++) {
            if (data.get(Elements.I16, b * 18) != d) {
                throw new FormatException(f.path(), "Q1_0 tensor " + name + " has different block scales; trit converts 1-bit models with one scale per tensor");
            }
        }
        float scale = Half.f16ToFloat(d);
        SourceTensor.RowReader<byte[]> r = (row0, nrows, dst) -> {
            long first = row0 * cols;
            int n = Math.toIntExact(nrows * cols);
            for (int i = 0; i < n; i++) {
                long e = first + i, b = e / 128;
                int j = (int) (e % 128);
                dst[i] = (byte) (((data.get(ValueLayout.JAVA_BYTE, b * 18 + 2 + j / 8) >>> (j % 8)) & 1) != 0 ? 1 : -1);
            }
        };
        return new SourceTensor.Ternary(name, shape, bytes, GgmlType.Q1_0.label(), r, scale, 1f / scale);
    }

    /** I2_S (see I2sCodec): weight j of each 128-group is in byte j % 32 of its 32 bytes, bits 6 - 2*(j/32). */
    static void i2sTrits(MemorySegment data, long first, int n, byte[] dst) {
        for (int i = 0; i < n; i++) {
            long e = first + i;
            long g = e / 128;
            int j = (int) (e % 128);
            int code = (data.get(ValueLayout.JAVA_BYTE, g * 32 + j % 32) >>> (6 - 2 * (j / 32))) & 3;
            if (code == 3) throw new IllegalArgumentException("I2_S code 3 (not a ternary value) at weight " + e);
            dst[i] = (byte) (code - 1);
        }
    }

    static GgufValue bytesValue(byte[] b) {
        return GgufValue.array(new GgufArray(GgufValueType.UINT8, b.clone()));
    }
}
