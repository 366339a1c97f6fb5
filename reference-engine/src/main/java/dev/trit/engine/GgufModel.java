package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;
import dev.trit.engine.tokenizer.LazyTokenizer;
import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.BlockCodec;
import dev.trit.formats.DType;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.TensorNames;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import dev.trit.formats.Half;
import dev.trit.formats.family.GgufSpec;
import dev.trit.formats.family.LinearSpec;
import dev.trit.formats.family.RopeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads a GGUF file written by llama.cpp (or trit) into the engine. The model spec comes from
 * {@link GgufSpec} (the stored config.json of a file trit wrote, else llama.cpp's keys); tensor names
 * from the family ({@code TensorNames.toGguf(family, ...)}). Architectures:
 * <ul>
 *   <li>{@code llama}: float, Q8_0 (etc.) or, for a BitLinear LLaMA, ternary weights. llama.cpp's
 *       converter permutes the rows of attn_q and attn_k so that its rotary kernel can rotate adjacent
 *       pairs; the engine rotates halves as transformers does, so the permutation is undone here (for
 *       ternary tensors too). llama3 RoPE's {@code rope_freqs.weight} is checked against the spec.</li>
 *   <li>{@code qwen2}, {@code qwen3}, {@code gemma3}: not permuted; Gemma's norm weights already hold (1 + w).</li>
 *   <li>{@code bitnet} (llama.cpp's name for the 1bitLLM reproduction models: SiLU, sub-norms): every
 *       projection must hold ternary values, either in TQ1_0/TQ2_0/I2_S or as F16/F32 values in
 *       {-s, 0, +s} (llama.cpp's converter stores ternary times mean|W| there). llama.cpp does not
 *       permute these rows.</li>
 *   <li>{@code bitnet-b1.58} (bitnet.cpp's name for the microsoft 2B4T layout): as bitnet but relu².</li>
 * </ul>
 * Ternary weights are repacked losslessly into the engine's packed form with the one scale the
 * tensor's nonzero blocks share, a few rows at a time; tensors whose blocks carry different scales are
 * refused. Once converted, a tensor's mapped pages are dropped from the process's resident memory.
 */
public final class GgufModel {
    private GgufModel() {
    }

    /** Loads the model; float weights stay mapped (the file is closed with the model). */
    public static LoadedModel load(Path path, Kernels kernels) throws IOException {
        return load(path, kernels, false);
    }

    /** As {@link #load(Path, Kernels)}; with latent, an online BitNet model's float weights stay float ({@link ModelLoader#loadLatent}). */
    public static LoadedModel load(Path path, Kernels kernels, boolean latent) throws IOException {
        return load(path, kernels, latent, null);
    }

    /**
     * As {@link #load(Path, Kernels, boolean)}; with a warm-up (files of at least {@link KernelWarmup#MIN_FILE_BYTES}),
     * a second thread runs it on the file's first layer with the first {@link KernelWarmup#VOCAB} rows of its
     * embedding and head while this one loads the whole model, so the JIT has compiled the kernels that workload
     * takes before the caller's timed work starts (the load runs on one core; the other is idle). The warm-up is
     * stopped and joined before this returns; it changes no result.
     */
    public static LoadedModel load(Path path, Kernels kernels, boolean latent, KernelWarmup.Workload warmup) throws IOException {
        return load(path, kernels, latent, warmup, KernelWarmup.MIN_FILE_BYTES, KernelWarmup.VOCAB);
    }

    /** As {@link #load(Path, Kernels, boolean, KernelWarmup.Workload)} with the warm-up's file size threshold and vocabulary given (tests). */
    static LoadedModel load(Path path, Kernels kernels, boolean latent, KernelWarmup.Workload warmup, long warmupMinBytes, int warmupVocab)
            throws IOException {
        GgufFile g = GgufFile.open(path);
        KernelWarmup w = null;
        try {
            ModelSpec config;
            try {
                config = config(g);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new FormatException(path, e.getMessage());
            }
            if (warmup != null && !latent && g.segment().byteSize() >= warmupMinBytes && config.vocabSize() > warmupVocab) {
                ModelSpec mini = config.firstLayers(1, warmupVocab);
                w = KernelWarmup.start(() -> ModelLoader.load(mini, new Weights(g, mini, config.vocabSize()), kernels), warmup);
            }
            // built at its first use: trit bench runs token ids only, and its peak RSS is measured
            Tokenizer tokenizer = new LazyTokenizer(() -> Tokenizers.forGguf(g));
            try {
                Transformer t = latent ? ModelLoader.loadLatent(config, new Weights(g, config), kernels, g)
                        : ModelLoader.load(config, new Weights(g, config), kernels, g);
                if (w != null) w.finish();
                return new LoadedModel(path, t, tokenizer);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new FormatException(path, e.getMessage());
            }
        } catch (Throwable t) {
            if (w != null) w.finish();
            g.close();
            throw t;
        }
    }

    /** The engine's model spec: the stored config.json of a file trit wrote, else llama.cpp's metadata keys. */
    static ModelSpec config(GgufFile g) throws FormatException {
        return GgufSpec.of(g);
    }

    /**
     * Presents a GGUF file under the HF tensor names ModelLoader reads: float tensors in place or decoded
     * to F32 (Q/K rows un-permuted for llama), ternary projections decoded by {@link GgufTernary}.
     */
    private static final class Weights implements WeightSource {
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private final GgufFile g;
        private final ModelSpec config;
        private static final String ROPE_FREQS = "rope_freqs.weight";
        private final Map<String, MemorySegment> made = new HashMap<>();
        private boolean ropeFreqsChecked;

        /** The file's vocabulary; more than config's when this presents a warm-up model's first rows ({@link ModelSpec#firstLayers}). */
        private final int fileVocab;

        Weights(GgufFile g, ModelSpec config) {
            this(g, config, config.vocabSize());
        }

        Weights(GgufFile g, ModelSpec config, int fileVocab) {
            this.g = g;
            this.config = config;
            this.fileVocab = fileVocab;
            checkRopeFreqs();
        }

        private boolean shortened() {
            return fileVocab != config.vocabSize();
        }

        /** The file's tensor t, or for a shortened model's embedding and head its first config.vocabSize() rows. */
        private TensorInfo stored(TensorInfo t) {
            if (!shortened() || t.shape().length != 2 || t.shape()[0] != fileVocab) return t;
            long rows = config.vocabSize(), rowBytes = t.byteSize() / fileVocab;
            return new TensorInfo(t.name(), t.type(), new long[]{rows, t.shape()[1]}, t.offset(), rows * rowBytes);
        }

        private MemorySegment storedData(TensorInfo t) {
            return g.data(t.name()).asSlice(0, t.byteSize());
        }

        private String ggufName(String hfName) {
            return TensorNames.toGguf(config.family(), hfName).orElseThrow();
        }

        @Override
        public Optional<TensorInfo> find(String hfName) {
            Optional<String> gguf = TensorNames.toGguf(config.family(), hfName);
            if (gguf.isEmpty()) return Optional.empty();
            Optional<TensorInfo> src = g.find(gguf.get());
            if (src.isEmpty()) return Optional.empty();
            TensorInfo t = stored(src.get());
            // ternary projections keep their type: ternary() decodes them
            if (isTernary(t) || inPlace(t)) return Optional.of(new TensorInfo(hfName, t.type(), t.shape(), 0, t.byteSize()));
            return Optional.of(new TensorInfo(hfName, DType.F32, t.shape(), 0, 4 * t.elements()));
        }

        private boolean isTernary(TensorInfo ggufTensor) {
            if (!TensorNames.isBitLinear(ggufTensor.name())) return false;
            String hf = TensorNames.toHf(config.family(), ggufTensor.name()).orElseThrow();
            return config.linears().ternary(hf.substring(0, hf.length() - ".weight".length()));
        }

        @Override
        public List<String> names() {
            List<String> out = new ArrayList<>();
            for (TensorInfo t : g.tensors()) {
                // rope_freqs.weight was checked against the spec's llama3 frequencies (ropeFreqs): that is its use
                if (t.name().equals(ROPE_FREQS) && ropeFreqsChecked) continue;
                // a warm-up model has the first layer only
                if (shortened() && t.name().startsWith("blk.") && !t.name().startsWith("blk.0.")) continue;
                out.add(TensorNames.toHf(config.family(), t.name()).orElse(t.name()));
            }
            return out;
        }

        /**
         * llama.cpp's {@code rope_freqs.weight} (llama3 RoPE: per frequency the divisor of the default
         * 1/theta^(2i/d)) must give the frequencies the spec computes; the engine then uses the spec's.
         * Tolerance 1e-6 relative: the divisors are float32 results of the same formula, in another order.
         */
        void checkRopeFreqs() {
            Optional<TensorInfo> t = g.find(ROPE_FREQS);
            if (t.isEmpty()) return;
            RopeSpec rope = null;
            for (var l : config.layerSpecs()) if (l.slidingWindow() == 0) { rope = l.rope(); break; }
            if (rope == null || rope.type() != RopeSpec.Type.LLAMA3) {
                throw new IllegalArgumentException(ROPE_FREQS + " is present but the model's RoPE is not llama3-scaled");
            }
            float[] div = FloatDecoder.read(t.get(), g.data(t.get()));
            float[] plain = RopeSpec.plain(rope.theta()).inverseFrequencies(config.headDim()), want = rope.inverseFrequencies(config.headDim());
            if (div.length != want.length) throw new IllegalArgumentException(ROPE_FREQS + ": " + div.length + " values, expected " + want.length);
            for (int i = 0; i < div.length; i++) {
                double got = plain[i] / div[i];
                if (!(Math.abs(got / want[i] - 1) <= 1e-6)) {
                    throw new IllegalArgumentException(ROPE_FREQS + "[" + i + "] gives frequency " + got + " but the model's llama3 RoPE gives " + want[i]);
                }
            }
            ropeFreqsChecked = true;
        }

        @Override
        public Optional<TernaryMatrix> ternary(TensorInfo tensor) {
            TensorInfo t = g.find(ggufName(tensor.name())).orElseThrow();
            if (!isTernary(t)) return Optional.empty();
            TernaryMatrix m = GgufTernary.load(t, g.data(t), storedToHf(t));
            if (!m.tq1InPlace()) WeightSource.unload(g.data(t)); // TQ1_0 is read in place
            if (config.linears().kind() == LinearSpec.Kind.BITLINEAR) m = m.withScale(bitLinearMultiplier(m.scale()));
            return Optional.of(m);
        }

        /**
         * A {@code bitlinear} model (transformers' BitLinear: output divided by weight_scale, a bf16 buffer in
         * every packed checkpoint) written to TQ blocks keeps d = fp16(1/weight_scale). fp16's 11 significant
         * bits determine the bf16 weight_scale (8 bits) exactly: 1/d is within 2^-11 relative of it, inside
         * half a bf16 step (>= 2^-9), so bf16(1/d) is the checkpoint's weight_scale and the engine multiplies
         * by 1/weight_scale in float32 exactly as from the packed checkpoint (ModelLoader). Using d itself
         * would move every projection by up to 4.9e-4 relative (3.6e-4 in perplexity on llama3-bitlinear).
         * The same holds for I2_S's float32 scale.
         */
        private static float bitLinearMultiplier(float d) {
            float ws = Half.bf16ToFloat(Half.floatToBf16(1f / d));
            // a scale that is not an fp16 (or finer) rounding of 1/bf16 (written by another tool) is used as it is
            return Math.abs(ws * d - 1) <= 0x1p-10f ? 1f / ws : d;
        }

        /** Drops a decoded copy, and the mapped pages of the GGUF tensor. */
        @Override
        public void release(TensorInfo tensor) {
            made.remove(tensor.name());
            WeightSource.unload(g.data(g.find(ggufName(tensor.name())).orElseThrow()));
        }

        /** Float types the engine reads where they are stored (see {@link StoredMatrix}). */
        private static boolean inPlace(TensorInfo t) {
            return t.type() instanceof GgmlType g && StoredMatrix.Encoding.of(g).filter(e -> t.shape()[t.shape().length - 1] % e.blockSize() == 0).isPresent();
        }

        @Override
        public int[] rowOrder(TensorInfo tensor) {
            // only tensors read in place are still in llama.cpp's row order; decoded ones were un-permuted in make()
            if (!permutedQk() || !(tensor.type() instanceof GgmlType)) return null;
            String name = TensorNames.toGguf(config.family(), tensor.name()).orElse("");
            int heads;
            if (name.endsWith(".attn_q.weight")) heads = config.heads();
            else if (name.endsWith(".attn_k.weight")) heads = config.kvHeads();
            else return null;
            // convert_hf_to_gguf.py's permute(): within each head of d rows, stored row 2i+j holds HF row j*d/2+i
            int rows = (int) tensor.shape()[0], d = rows / heads;
            int[] order = new int[rows];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < d / 2; i++) {
                    for (int j = 0; j < 2; j++) order[h * d + j * d / 2 + i] = h * d + 2 * i + j;
                }
            }
            return order;
        }

        @Override
        public MemorySegment data(TensorInfo tensor) {
            return made.computeIfAbsent(tensor.name(), this::make);
        }

        private MemorySegment make(String hfName) {
            String name = ggufName(hfName);
            TensorInfo t = stored(g.find(name).orElseThrow());
            if (inPlace(t)) return storedData(t);
            int n = Math.toIntExact(t.elements());
            GgmlType type = (GgmlType) t.type();
            BlockCodec codec = BlockCodec.find(type)
                    .orElseThrow(() -> new IllegalArgumentException(t.name() + ": tensor type " + type.label() + " is not supported by the engine"));
            float[] v = codec.decode(storedData(t), n);
            if (permutedQk()) {
                if (name.endsWith(".attn_q.weight")) v = unpermute(v, t, config.heads());
                else if (name.endsWith(".attn_k.weight")) v = unpermute(v, t, config.kvHeads());
            }
            MemorySegment seg = MemorySegment.ofArray(new byte[4 * n]);
            for (int i = 0; i < n; i++) seg.setAtIndex(F32, i, v[i]);
            return seg;
        }

        /** llama.cpp's converter permutes Q/K rows for its llama graph only (the others rotate halves, NEOX style). */
        private boolean permutedQk() {
            return config.family().ggufPermutesQk();
        }

        /** For a permuted Q/K tensor, the HF row each stored row holds (GGUF row 2i+j of a head of d is HF row j*d/2+i); else null. */
        private int[] storedToHf(TensorInfo t) {
            if (!permutedQk()) return null;
            int heads;
            if (t.name().endsWith(".attn_q.weight")) heads = config.heads();
            else if (t.name().endsWith(".attn_k.weight")) heads = config.kvHeads();
            else return null;
            int rows = (int) t.shape()[0], d = rows / heads;
            int[] hf = new int[rows];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < d / 2; i++) {
                    for (int j = 0; j < 2; j++) hf[h * d + 2 * i + j] = h * d + j * d / 2 + i;
                }
            }
            return hf;
        }

        /**
         * Inverse of convert_hf_to_gguf.py's permute(): within each head of d rows, GGUF row 2i+j holds
         * HF row j*d/2+i (j in {0,1}).
         */
        private static float[] unpermute(float[] v, TensorInfo t, int heads) {
            int rows = (int) t.shape()[0], cols = (int) t.shape()[1], d = rows / heads;
            float[] out = new float[v.length];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < d / 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        System.arraycopy(v, (h * d + 2 * i + j) * cols, out, (h * d + j * d / 2 + i) * cols, cols);
                    }
                }
            }
            return out;
        }
    }
}
