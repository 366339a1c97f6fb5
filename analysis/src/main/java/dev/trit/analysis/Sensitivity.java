package dev.trit.analysis;

import dev.trit.converters.QuantMix;
import dev.trit.engine.DecoderLayer;
import dev.trit.engine.FloatMatrix;
import dev.trit.engine.KvCache;
import dev.trit.engine.Linear;
import dev.trit.engine.Matrix;
import dev.trit.engine.StoredMatrix;
import dev.trit.engine.TernaryMatrix;
import dev.trit.engine.Transformer;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.FullLogprobs;
import dev.trit.engine.eval.KlDivergence;
import dev.trit.engine.eval.KldStats;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.Half;
import dev.trit.formats.TensorNames;
import dev.trit.formats.family.ModelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Layer sensitivity ({@code trit sensitivity}): quantize one unit (a tensor, a layer's linears, one kind
 * of linear across layers, or the whole model) to a type, leave everything else at the source precision,
 * and measure the KL-divergence (full vocabulary, llama-perplexity's arithmetic) and Δ perplexity against
 * the source on the same text windows. Nothing is written to disk: a unit's matrices are replaced in
 * memory by their quantize → dequantize round trip through the formats' block codecs, which is byte for
 * byte what {@code trit convert} writes (blocks never straddle rows, so the Q/K row permutation of a GGUF
 * file does not change them) and the engine reads such a matrix with the same kernels as from the file.
 *
 * <p>What is cached, computed once in the constructor and reused by every unit:
 * <ul>
 * <li>the source's full next-token distribution of every scored position, as llama-perplexity stores its
 *     {@code --kl-divergence-base} (16-bit steps, {@link FullLogprobs}), so the source runs once per window;
 * <li>the source's residual stream entering every layer of every window (and after the last layer), as
 *     long as that fits {@code residualBudget} bytes (windows × (layers + 1) × tokens × hidden × 4): a unit
 *     whose first changed tensor is in layer l resumes at layer l from the cache, so layers below it are
 *     never recomputed (for ffn_down of the last layer only that layer and the head run). The embedding
 *     (tied to the LM head or not) changes layer 0's input, so its units run the whole model. Beyond the
 *     budget every unit runs from the embedding (same numbers, just slower).
 * </ul>
 * <p>A BitNet checkpoint whose model ternarizes latent float weights at load (demo-bitnet-bf16) can be
 * the source when loaded with its latent weights as float ({@code LoadedModel.open(.., latent = true)}:
 * every BitLinear a float linear over the latent weights with its input still int8 per token): a unit
 * at tq1_0/tq2_0 is then ternarized as the model itself does, so post-training ternarization of each
 * tensor, layer or kind is measured, and the unit "model" is the model as it normally runs.
 *
 * Units run one after the other, windows in order, on the engine's deterministic kernels: two runs give
 * identical numbers.
 */
public final class Sensitivity {
    /** How tensors are grouped into units. */
    public enum By { TENSOR, LAYER, KIND, MODEL }

    /** Types a unit can be quantized to (ggml's names). */
    public static final List<GgmlType> TYPES = List.of(GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.TQ1_0, GgmlType.TQ2_0, GgmlType.F16);

    /** The projections of a decoder layer, in the order {@link #linear} numbers them. */
    private static final String[] PROJ_HF = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    /**
     * One quantizable tensor.
     *
     * @param name        its GGUF name (blk.0.attn_q.weight, token_embd.weight): what plans and convert use
     * @param kind        the name without blk.N. and .weight (attn_q, ffn_down, token_embd, output)
     * @param layer       its block, -1 for token_embd and output
     * @param proj        0..6 (q, k, v, o, gate, up, down) for a block's linear, -1 embedding, -2 output
     * @param sourceBytes bytes the source holds it in (as the engine stores it)
     * @param latent      a latent BitNet linear (a BitNet checkpoint loaded with its latent weights as
     *                    float, {@link Linear#int8Input}): ternary types ternarize it as the model does at
     *                    load, whatever its width
     */
    public record Tensor(String name, String kind, int layer, int proj, int rows, int cols, long sourceBytes, boolean latent) {
        public long elements() {
            return (long) rows * cols;
        }

        /** The type it really gets for a wanted type: llama-quantize's fallback where rows are not whole blocks (ternary: F16). */
        public GgmlType effectiveType(GgmlType want) {
            if (want == GgmlType.TQ1_0 || want == GgmlType.TQ2_0) return latent || cols % 256 == 0 ? want : GgmlType.F16;
            if (want == GgmlType.F16) return want;
            return QuantMix.fallback(name, cols, want).type();
        }

        /** Bytes it takes in a file at the wanted type. */
        public long bytes(GgmlType want) {
            return effectiveType(want).bytesFor(elements());
        }
    }

    /** A set of tensors quantized together; name is the result rows' scope (a tensor name, layer.N, a kind, "model"). */
    public record Unit(String name, List<Tensor> tensors) {
        /** The first layer whose input changes: 0 with the embedding, the layer count for the output matrix alone. */
        int firstLayer(int layers) {
            int f = layers;
            for (Tensor t : tensors) f = Math.min(f, t.proj == -1 ? 0 : t.proj == -2 ? layers : t.layer);
            return f;
        }
    }

    /**
     * One unit's measurement.
     *
     * @param bytesSaved source bytes minus quantized bytes of the unit's tensors
     */
    public record Outcome(Unit unit, GgmlType type, double kld, double kldStderr, double deltaPpl, long bytesSaved, long tokens) {
    }

    private final Transformer source;
    private final List<EvalWindow> windows;
    private final List<Tensor> tensors = new ArrayList<>();
    private final boolean tied;
    /** Per window, per scored position: the source's distribution. */
    private final FullLogprobs[][] base;
    /** Per window, per layer 0..L: the residual stream entering it; null when over budget. */
    private final float[][][] residuals;

    /**
     * Runs the source once over the windows and keeps what every unit needs (see the class comment).
     *
     * @param residualBudget bytes the residual cache may take; 0 disables it
     */
    public Sensitivity(Transformer source, List<EvalWindow> windows, long residualBudget) {
        this.source = source;
        this.windows = List.copyOf(windows);
        ModelSpec c = source.config();
        int layers = c.layers();
        for (int l = 0; l < layers; l++) {
            DecoderLayer d = source.layers().get(l);
            for (int p = 0; p < PROJ_HF.length; p++) {
                String hf = "model.layers." + l + "." + PROJ_HF[p] + ".weight";
                String g = TensorNames.toGguf(c.family(), hf).orElse(hf);
                Linear lin = linear(d, p);
                Matrix m = lin.weight();
                tensors.add(new Tensor(g, kindOf(g), l, p, m.rows(), m.cols(), m.storedBytes(), lin.int8Input()));
            }
        }
        tied = source.embedding() == source.lmHead();
        Matrix e = source.embedding();
        tensors.add(new Tensor("token_embd.weight", "token_embd", -1, -1, e.rows(), e.cols(), e.storedBytes(), false));
        if (!tied) tensors.add(new Tensor("output.weight", "output", -1, -2, source.lmHead().rows(), source.lmHead().cols(), source.lmHead().storedBytes(), false));
        long need = 0;
        for (EvalWindow w : windows) need += 4L * (layers + 1) * w.input().length * c.hiddenSize();
        residuals = need <= residualBudget ? new float[windows.size()][][] : null;
        base = new FullLogprobs[windows.size()][];
        int vocab = c.vocabSize();
        for (int i = 0; i < windows.size(); i++) {
            EvalWindow w = windows.get(i);
            KvCache cache = source.newCache(w.input().length);
            float[] logits;
            if (residuals != null) {
                residuals[i] = new float[layers + 1][];
                logits = source.forwardCapturing(w.input(), cache, w.firstScored(), residuals[i]);
            } else {
                logits = source.forward(w.input(), cache, w.firstScored());
            }
            base[i] = new FullLogprobs[w.targets().length];
            for (int j = 0; j < w.targets().length; j++) {
                base[i][j] = FullLogprobs.of(Arrays.copyOfRange(logits, j * vocab, (j + 1) * vocab), w.targets()[j]);
            }
        }
    }

    /** Whether the residual stream is cached (false: over the budget). */
    public boolean cachesResiduals() {
        return residuals != null;
    }

    /** Every quantizable tensor: each layer's seven linears in order, then token_embd (and output when untied). */
    public List<Tensor> tensors() {
        return List.copyOf(tensors);
    }

    /** The type a user named ("q4_k", "TQ2_0"), if sensitivity can quantize to it. */
    public static Optional<GgmlType> parseType(String s) {
        return GgmlType.fromLabel(s.trim()).filter(TYPES::contains);
    }

    public static String typeNames() {
        return String.join(", ", TYPES.stream().map(t -> t.label().toLowerCase(Locale.ROOT)).toList());
    }

    /** The units of a grouping; ternary types leave the embedding and output matrix alone (as trit convert --ternarize does). */
    public List<Unit> units(By by, GgmlType type) {
        boolean ternary = type == GgmlType.TQ1_0 || type == GgmlType.TQ2_0;
        List<Tensor> ts = tensors.stream().filter(t -> !(ternary && t.proj < 0)).toList();
        List<Unit> out = new ArrayList<>();
        switch (by) {
            case TENSOR -> ts.forEach(t -> out.add(new Unit(t.name, List.of(t))));
            case LAYER -> {
                for (int l = 0; l < source.config().layers(); l++) {
                    int layer = l;
                    out.add(new Unit("layer." + l, ts.stream().filter(t -> t.layer == layer).toList()));
                }
            }
            case KIND -> {
                Map<String, List<Tensor>> byKind = new LinkedHashMap<>();
                for (Tensor t : ts) if (t.layer >= 0) byKind.computeIfAbsent(t.kind, k -> new ArrayList<>()).add(t);
                byKind.forEach((k, v) -> out.add(new Unit(k, List.copyOf(v))));
            }
            case MODEL -> out.add(new Unit("model", ts));
        }
        return out;
    }

    /** Quantizes the unit to type (in memory) and measures it against the cached source distributions. */
    public Outcome measure(Unit unit, GgmlType type) {
        Transformer q = quantized(unit, type);
        long saved = 0;
        for (Tensor t : unit.tensors) saved += t.sourceBytes - t.bytes(type);
        int first = unit.firstLayer(source.config().layers());
        KldStats.Summary s = compare(q, first).summary();
        return new Outcome(unit, type, s.kld().value(), s.kld().uncertainty(), s.pplDiff().value(), saved, s.count());
    }

    /** Any model with the source's vocabulary (a converted file, loaded) against the source on these windows, from its embedding on. */
    public KldStats compare(Transformer model) {
        if (model.config().vocabSize() != source.config().vocabSize()) throw new IllegalArgumentException("vocabularies differ");
        return compare(model, 0);
    }

    private KldStats compare(Transformer q, int firstLayer) {
        KldStats stats = new KldStats();
        int vocab = source.config().vocabSize();
        for (int i = 0; i < windows.size(); i++) {
            EvalWindow w = windows.get(i);
            int n = w.input().length;
            KvCache cache = q.newCache(n);
            float[] logits = residuals != null && firstLayer > 0
                    ? q.forwardFrom(firstLayer, residuals[i][firstLayer], n, cache, w.firstScored())
                    : q.forward(w.input(), cache, w.firstScored());
            for (int j = 0; j < w.targets().length; j++) {
                stats.add(KlDivergence.of(base[i][j], Arrays.copyOfRange(logits, j * vocab, (j + 1) * vocab)));
            }
        }
        return stats;
    }

    /** The source with the unit's tensors replaced by their round trip through type. */
    public Transformer quantized(Unit unit, GgmlType type) {
        List<DecoderLayer> layers = new ArrayList<>(source.layers());
        Matrix emb = source.embedding(), head = source.lmHead();
        for (Tensor t : unit.tensors) {
            if (t.proj == -1) {
                emb = roundTrip(t, source.embedding(), type);
                if (tied) head = emb;
            } else if (t.proj == -2) {
                head = roundTrip(t, source.lmHead(), type);
            } else {
                DecoderLayer d = layers.get(t.layer);
                Linear old = linear(d, t.proj);
                layers.set(t.layer, with(d, t.proj, old.withWeight(roundTrip(t, old.weight(), type))));
            }
        }
        return source.withWeights(emb, layers, head);
    }

    /**
     * What the engine holds after reading the tensor from a file of that type: the block codec's bytes
     * (llama-quantize's fallback type where rows are not whole blocks). Ternary types ternarize as
     * {@code trit convert --ternarize} does (absmean over the tensor: s = 1/max(mean|W|, 1e-5) with the
     * mean of a double sum rounded to float; W_t = clamp(rint(W s), -1, 1); TQ blocks keep d = fp16(1/s)),
     * and a float (LLaMA-family) model reads TQ blocks widened to F32: trit × d. A latent BitNet linear
     * ({@link Tensor#latent}) is instead ternarized exactly as the model does at load
     * ({@link TernaryMatrix#ternarize}: the same absmean, scale 1/s in float, no fp16 rounding) and
     * runs on the engine's ternary kernels, so the whole-model unit is the normally loaded model.
     */
    static Matrix roundTrip(Tensor t, Matrix m, GgmlType want) {
        GgmlType type = t.effectiveType(want);
        int rows = m.rows(), cols = m.cols();
        float[] w = floats(m);
        if (t.latent && type.isTernary()) return TernaryMatrix.ternarize(rows, cols, w);
        if (type == GgmlType.TQ1_0 || type == GgmlType.TQ2_0) {
            double sum = 0;
            for (float x : w) sum += Math.abs(x);
            float mean = (float) (sum / w.length);
            float s = 1f / Math.max(mean, 1e-5f);
            float d = Half.f16ToFloat(Half.floatToF16(1f / s));
            float[] v = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                float q = Math.max(-1f, Math.min(1f, (float) Math.rint(w[i] * s)));
                v[i] = q * d;
            }
            return stored(rows, cols, StoredMatrix.Encoding.F32, BlockCodec.of(GgmlType.F32).encode(v));
        }
        StoredMatrix.Encoding e = StoredMatrix.Encoding.of(type).orElseThrow(() -> new IllegalArgumentException("the engine cannot read " + type.label()));
        return stored(rows, cols, e, BlockCodec.of(type).encode(w));
    }

    private static StoredMatrix stored(int rows, int cols, StoredMatrix.Encoding e, byte[] bytes) {
        MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return new StoredMatrix(rows, cols, e, seg);
    }

    /** The matrix's effective weights, row-major in logical (Hugging Face) row order. */
    static float[] floats(Matrix m) {
        return switch (m) {
            case FloatMatrix f -> f.data();
            case StoredMatrix s -> {
                float[] out = new float[Math.multiplyExact(s.rows(), s.cols())];
                for (int r = 0; r < s.rows(); r++) s.decodeRow(r, out, r * s.cols());
                yield out;
            }
            case TernaryMatrix t -> throw new IllegalArgumentException("the source's linears are already ternary; "
                    + "sensitivity needs a full-precision source (for a BitNet checkpoint with latent weights: --source latent)");
        };
    }

    static String kindOf(String gguf) {
        String k = gguf.replaceFirst("^blk\\.\\d+\\.", "");
        return k.endsWith(".weight") ? k.substring(0, k.length() - ".weight".length()) : k;
    }

    static Linear linear(DecoderLayer d, int p) {
        return switch (p) {
            case 0 -> d.q();
            case 1 -> d.k();
            case 2 -> d.v();
            case 3 -> d.o();
            case 4 -> d.gate();
            case 5 -> d.up();
            case 6 -> d.down();
            default -> throw new IllegalArgumentException("projection " + p);
        };
    }

    static DecoderLayer with(DecoderLayer d, int p, Linear x) {
        return new DecoderLayer(d.inputNorm(), p == 0 ? x : d.q(), p == 1 ? x : d.k(), p == 2 ? x : d.v(), p == 3 ? x : d.o(),
                d.qNorm(), d.kNorm(), d.attnSubNorm(), d.postAttentionNorm(), d.preFeedforwardNorm(), d.postFeedforwardNorm(),
                p == 4 ? x : d.gate(), p == 5 ? x : d.up(), p == 6 ? x : d.down(), d.ffnSubNorm());
    }

    /** Result rows: kld_mean, delta_ppl and bytes_saved per unit (variant = the type, scope = the unit). */
    public static List<ResultRow> rows(String model, String task, List<Outcome> outcomes) {
        List<ResultRow> out = new ArrayList<>();
        for (Outcome o : outcomes) {
            String v = o.type().label().toLowerCase(Locale.ROOT);
            out.add(ResultRow.of(model, v, task, o.unit().name(), Metrics.KLD_MEAN, o.kld()));
            out.add(ResultRow.of(model, v, task, o.unit().name(), Metrics.DELTA_PPL, o.deltaPpl()));
            out.add(ResultRow.of(model, v, task, o.unit().name(), Metrics.BYTES_SAVED, o.bytesSaved()));
        }
        return out;
    }
}
