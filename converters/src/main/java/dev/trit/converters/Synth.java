package dev.trit.converters;

import dev.trit.formats.FormatException;
import dev.trit.formats.GgufArray;
import dev.trit.formats.GgufValue;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import dev.trit.formats.family.BitNetB158;
import dev.trit.formats.family.Bitnet1bitLLM;
import dev.trit.formats.family.Family;
import dev.trit.formats.family.Llama;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code trit synth}: a checkpoint with the exact config, tensor names and shapes of a public model and
 * deterministic random weights, for measuring speed on real-sized models without downloading them.
 * BitLinear weights are uniform trits (about a third zeros) with one scale per tensor, float weights
 * Gaussian. The model is a {@link SourceModel} whose tensors generate their rows on demand (each row
 * from its own seed, so any chunking gives the same bytes) and is written by the converter's own GGUF
 * or Hugging Face writers: it streams to disk and is never held in memory.
 */
public final class Synth {
    /** A public model's shape. */
    public record Shape(String id, Family family, int hidden, int intermediate, int layers, int heads, int kvHeads,
                        int vocab, double ropeTheta, int context, boolean tied, int bos, int eos) {
        ModelSpec spec() {
            return new ModelSpec(family, id + " (synthetic)", hidden, intermediate, layers, heads, kvHeads, hidden / heads, vocab,
                    1e-5, ropeTheta, context, tied, bos, eos, 0, null, ModelSpec.linears(family, null), null);
        }

        /** Whether its projections are ternary (the BitNet shapes) rather than float (the LLaMA ones). */
        public boolean ternary() {
            return ModelSpec.bitnetFamily(family);
        }

        long params() {
            long h = hidden, kv = (long) kvHeads * (hidden / heads);
            long layer = h * h * 2 + 2 * h * kv + 3 * h * intermediate;
            return layers * layer + (tied ? 1 : 2) * (long) vocab * hidden;
        }
    }

    /** The models synth knows, by Hugging Face id (the part after the slash also works). */
    public static final List<Shape> SHAPES = List.of(
            new Shape("microsoft/bitnet-b1.58-2B-4T", BitNetB158.INSTANCE, 2560, 6912, 30, 20, 5, 128256, 500000.0, 4096, true, 128000, 128001),
            new Shape("1bitLLM/bitnet_b1_58-large", Bitnet1bitLLM.INSTANCE, 1536, 4096, 24, 16, 16, 32002, 10000.0, 2048, false, 1, 2),
            new Shape("1bitLLM/bitnet_b1_58-3B", Bitnet1bitLLM.INSTANCE, 3200, 8640, 26, 32, 32, 32002, 10000.0, 2048, false, 1, 2),
            // a LLaMA (SiLU, no sub-norms, float linears) in the exact 2B4T shapes: the FP16 / Q8_0 baseline
            new Shape("llama-2b4t-shape", Llama.INSTANCE, 2560, 6912, 30, 20, 5, 128256, 500000.0, 4096, true, 128000, 128001),
            // LLaMA in the shapes of the two 1bitLLM models (their FP16 counterparts)
            new Shape("llama-large-shape", Llama.INSTANCE, 1536, 4096, 24, 16, 16, 32002, 10000.0, 2048, false, 1, 2),
            new Shape("llama-3b-shape", Llama.INSTANCE, 3200, 8640, 26, 32, 32, 32002, 10000.0, 2048, false, 1, 2));

    private Synth() {
    }

    public static Shape shape(String like) {
        for (Shape s : SHAPES) {
            if (s.id().equalsIgnoreCase(like) || s.id().substring(s.id().indexOf('/') + 1).equalsIgnoreCase(like)) return s;
        }
        StringBuilder known = new StringBuilder();
        for (Shape s : SHAPES) known.append(known.isEmpty() ? "" : ", ").append(s.id());
        throw new IllegalArgumentException("unknown model '" + like + "' (known: " + known + ")");
    }

    /** The source: tensors in the order convert_hf_to_gguf.py writes them, each generating its rows. */
    public static SourceModel model(Shape s, long seed) throws IOException {
        ModelSpec spec = s.spec();
        Map<String, GgufValue> tok = tokenizer(s);
        List<SourceTensor> ts = new ArrayList<>();
        int h = s.hidden(), kv = s.kvHeads() * (h / s.heads()), ffn = s.intermediate();
        boolean bitnet = s.ternary();
        ts.add(floats("token_embd.weight", s.vocab(), h, 0.02f, seed));
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            ts.add(ones(p + "attn_norm.weight", h));
            ts.add(linear(p + "attn_q.weight", h, h, bitnet, seed));
            ts.add(linear(p + "attn_k.weight", kv, h, bitnet, seed));
            ts.add(linear(p + "attn_v.weight", kv, h, bitnet, seed));
            ts.add(linear(p + "attn_output.weight", h, h, bitnet, seed));
            if (bitnet) ts.add(ones(p + "attn_sub_norm.weight", h));
            ts.add(ones(p + "ffn_norm.weight", h));
            ts.add(linear(p + "ffn_gate.weight", ffn, h, bitnet, seed));
            ts.add(linear(p + "ffn_up.weight", ffn, h, bitnet, seed));
            ts.add(linear(p + "ffn_down.weight", h, ffn, bitnet, seed));
            if (bitnet) ts.add(ones(p + "ffn_sub_norm.weight", ffn));
        }
        ts.add(ones("output_norm.weight", h));
        if (!s.tied()) ts.add(floats("output.weight", s.vocab(), h, 0.02f, seed));
        Map<String, byte[]> hf = GgufTokenizerFiles.files(tok);
        return new SourceModel(spec, tok, hf, ts, () -> { });
    }

    /** Writes the synthetic model; refuses to overwrite unless force. Returns what was written. */
    public static Converter.Result write(Shape s, long seed, Path dst, TargetType type, boolean force, Progress progress) throws IOException {
        return write(s, seed, dst, type, EmbeddingTypes.DEFAULT, force, progress);
    }

    /** As above, with the token embedding / output types of a GGUF output chosen (see {@link EmbeddingTypes}). */
    public static Converter.Result write(Shape s, long seed, Path dst, TargetType type, EmbeddingTypes heads, boolean force, Progress progress)
            throws IOException {
        heads.checkTarget(type);
        if (Converter.isGguf(dst) != type.isGguf()) {
            throw new IllegalArgumentException("type " + type.label() + " is a " + (type.isGguf() ? "GGUF" : "Hugging Face")
                    + " layout but the destination " + dst + " is " + (Converter.isGguf(dst) ? "a .gguf file" : "a directory"));
        }
        if (type.isTernary() != s.ternary()) {
            throw new IllegalArgumentException(s.id() + (s.ternary() ? " is ternary: use a ternary type (packed, tq1_0, tq2_0, i2_s)"
                    : " has float linears: use f16, bf16, f32 or q8_0"));
        }
        Path abs = dst.toAbsolutePath().normalize();
        if (Files.exists(abs) && !force) throw new FileAlreadyExistsException(abs + " exists (use --force to overwrite)");
        if (abs.getParent() == null || !Files.isDirectory(abs.getParent())) throw new FormatException(abs, "its directory does not exist");
        SourceModel m = model(s, seed);
        List<WrittenTensor> written;
        if (type.isGguf()) {
            written = GgufTarget.write(m, type, abs, progress, false, heads);
        } else {
            Path tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".");
            try {
                written = HfTarget.write(m, type, tmp, HfTarget.DEFAULT_MAX_SHARD_BYTES, progress);
                if (Files.exists(abs)) Converter.deleteTree(abs);
                Files.move(tmp, abs);
            } catch (Throwable t) {
                Converter.deleteTree(tmp);
                throw t;
            }
        }
        long out = 0;
        for (WrittenTensor w : written) out += w.outputBytes();
        return new Converter.Result(abs, written, m.sourceBytes(), out);
    }

    /** Trits uniform over {-1, 0, +1}; scale 1/sqrt(2/3 * in) keeps the output variance near the input's. */
    private static SourceTensor linear(String name, int out, int in, boolean ternary, long seed) {
        long[] shape = {out, in};
        long tensorSeed = mix(seed, name);
        if (!ternary) return floats(name, out, in, (float) (1 / Math.sqrt(in)), seed);
        float scale = (float) (1 / Math.sqrt(2.0 / 3.0 * in));
        SourceTensor.RowReader<byte[]> r = (row0, nrows, dst) -> {
            for (int i = 0; i < nrows; i++) {
                SplittableRandom rnd = new SplittableRandom(tensorSeed + row0 + i);
                int o = i * in;
                for (int c = 0; c < in; c++) dst[o + c] = (byte) (rnd.nextInt(3) - 1);
            }
        };
        return new SourceTensor.Ternary(name, shape, (long) out * in, "synthetic", r, scale, 1 / scale);
    }

    /** Gaussian with the given standard deviation. */
    private static SourceTensor floats(String name, int rows, int cols, float std, long seed) {
        long tensorSeed = mix(seed, name);
        SourceTensor.RowReader<float[]> r = (row0, nrows, dst) -> {
            for (int i = 0; i < nrows; i++) {
                SplittableRandom rnd = new SplittableRandom(tensorSeed + row0 + i);
                int o = i * cols;
                for (int c = 0; c < cols; c++) dst[o + c] = (float) rnd.nextGaussian() * std;
            }
        };
        return new SourceTensor.Floats(name, new long[]{rows, cols}, 4L * rows * cols, "synthetic", r);
    }

    private static SourceTensor ones(String name, int n) {
        SourceTensor.RowReader<float[]> r = (row0, nrows, dst) -> java.util.Arrays.fill(dst, 0, nrows * n, 1f);
        return new SourceTensor.Floats(name, new long[]{n}, 4L * n, "synthetic", r);
    }

    /** A seed per tensor: the run's seed mixed with the tensor's name (rows then add their index). */
    private static long mix(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < name.length(); i++) h = (h ^ name.charAt(i)) * 0x100000001B3L;
        return new SplittableRandom(h).nextLong();
    }

    /**
     * A SentencePiece-style vocabulary of the model's size (llama.cpp's "llama" tokenizer model): the
     * control tokens, the 256 byte tokens, then made-up pieces. Enough for engines to load and run;
     * the benchmark feeds token ids, not text.
     */
    private static Map<String, GgufValue> tokenizer(Shape s) {
        int n = s.vocab();
        List<String> tokens = new ArrayList<>(n);
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            String t;
            int type;
            if (i == 0) {
                t = "<unk>";
                type = 2;
            } else if (i == s.bos() || i == s.eos() || i < 3) {
                t = i == s.bos() ? "<s>" : i == s.eos() ? "</s>" : "<ctl" + i + ">";
                type = 3;
            } else if (i >= 3 && i < 3 + 256) {
                t = String.format(Locale.ROOT, "<0x%02X>", i - 3);
                type = 6;
            } else {
                t = "\u2581t" + i;
                type = 1;
            }
            tokens.add(t);
            types[i] = type;
            scores[i] = -i;
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(tokens)));
        m.put("tokenizer.ggml.scores", GgufValue.array(GgufArray.ofFloats(scores)));
        m.put("tokenizer.ggml.token_type", GgufValue.array(GgufArray.ofInts(types)));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(s.bos()));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(s.eos()));
        m.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(0));
        return m;
    }
}
