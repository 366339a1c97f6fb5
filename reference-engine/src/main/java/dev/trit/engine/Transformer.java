package dev.trit.engine;

import dev.trit.formats.family.Activation;
import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.family.RopeSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A decoder-only transformer (LLaMA / BitNet) ready to run: the batched forward pass over a span of
 * tokens with a KV cache. Not thread-safe; one forward at a time (the kernels parallelize inside).
 */
public final class Transformer implements AutoCloseable {
    private final ModelSpec config;
    private final Matrix embedding, lmHead;
    private final List<DecoderLayer> layers;
    private final float[] finalNorm;
    private final Kernels kernels;
    /** Each layer's rotary embedding (layers with the same RoPE spec share one). */
    private final Rope[] ropes;
    /** What keeps mapped weights valid (the files' arena); closed with the model. */
    private final AutoCloseable resources;
    /** Scratch of the last forward call, reused while the token count fits (decode allocates nothing big). */
    private Buffers buffers;
    /** How stored (GGUF) weights meet their activations; see {@link ActivationMode}. */
    private ActivationMode activations = ActivationMode.FLOAT;
    /**
     * Under {@link ActivationMode#LLAMA_CPP}, products of fewer tokens than this with Q6_K / Q4_K weights run in
     * integers as ggml's vec_dot_*_q8_K (JMH, one thread: Q6_K 1.6x, Q4_K 1.3x the float kernel); larger batches multiply the same
     * rounded activations in float (the batched float kernel reuses each widened row across tokens, which the
     * row-at-a-time integer product does not), equal to the integer sums up to float rounding.
     */
    static final int INTEGER_PRODUCT_TOKENS = 8;
    /** The Q8_K activations of one integer product, reused. */
    private Q8KActivations q8k;
    /** The rounded activations of one product under {@link ActivationMode#LLAMA_CPP}, reused. */
    private float[] rounded = new float[0];
    /** A latent BitLinear's fake-quantized input ({@link Linear#int8Input}), reused. */
    private float[] fakeQuantized = new float[0];
    /** Sees every linear's input when set (trit activations); null otherwise. */
    private LinearInputObserver observer;

    public Transformer(ModelSpec config, FloatMatrix embedding, List<DecoderLayer> layers, float[] finalNorm, FloatMatrix lmHead, Kernels kernels) {
        this(config, embedding, layers, finalNorm, lmHead, kernels, null);
    }

    /**
     * @param resources closed by {@link #close()}: whatever keeps the weights' memory valid (the arena of
     *                  mapped files), or null when every weight is on the heap
     */
    public Transformer(ModelSpec config, Matrix embedding, List<DecoderLayer> layers, float[] finalNorm, Matrix lmHead, Kernels kernels,
                       AutoCloseable resources) {
        if (embedding instanceof TernaryMatrix || lmHead instanceof TernaryMatrix) throw new IllegalArgumentException("embedding and LM head must be float matrices");
        this.resources = resources;
        this.config = config;
        this.embedding = embedding;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.kernels = kernels;
        this.ropes = new Rope[config.layers()];
        Map<RopeSpec, Rope> bySpec = new HashMap<>();
        for (int l = 0; l < ropes.length; l++) {
            ropes[l] = bySpec.computeIfAbsent(config.layerSpecs().get(l).rope(), r -> new Rope(config.headDim(), r));
        }
        if (layers.size() != config.layers()) throw new IllegalArgumentException("expected " + config.layers() + " layers, got " + layers.size());
        if (embedding.rows() != config.vocabSize() || embedding.cols() != config.hiddenSize()) throw new IllegalArgumentException("embedding shape mismatch");
        if (lmHead.rows() != config.vocabSize() || lmHead.cols() != config.hiddenSize()) throw new IllegalArgumentException("lm_head shape mismatch");
    }

    public ModelSpec config() {
        return config;
    }

    /** How stored weights' products treat their activations from now on (default {@link ActivationMode#FLOAT}). */
    public void activations(ActivationMode mode) {
        this.activations = Objects.requireNonNull(mode);
    }

    public ActivationMode activations() {
        return activations;
    }

    /** Who sees every linear's float input from now on; null (the default) for nobody. Numerics do not change. */
    public void observer(LinearInputObserver observer) {
        this.observer = observer;
    }

    public List<DecoderLayer> layers() {
        return layers;
    }

    /** Weight bytes one decoded token streams: every layer's projections and the LM head (one embedding row aside). */
    public long weightBytesPerToken() {
        long n = lmHead.storedBytes();
        for (DecoderLayer l : layers) {
            for (Linear m : List.of(l.q(), l.k(), l.v(), l.o(), l.gate(), l.up(), l.down())) n += m.weight().storedBytes();
        }
        return n;
    }

    /** The output (LM head) matrix's storage: F32, F16, BF16, Q8_0, Q4_0, Q6_K, or "f32 (heap)" when decoded onto the heap. */
    public String outputMatrixType() {
        return switch (lmHead) {
            case StoredMatrix s -> s.encoding().name();
            case FloatMatrix f -> "F32";
            case TernaryMatrix t -> "ternary";
        };
    }

    /** Bytes of all weight matrices where the kernels read them (the embedding counted once when tied). */
    public long weightBytesInMemory() {
        long n = weightBytesPerToken();
        if (embedding != lmHead) n += embedding.storedBytes();
        return n;
    }

    /** Releases mapped weights; the model must not be used afterwards. */
    @Override
    public void close() {
        if (resources == null) return;
        try {
            resources.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public KvCache newCache(int capacity) {
        return new KvCache(config, capacity);
    }

    /**
     * Runs ids at positions cache.length() .. + ids.length - 1 and returns their logits, ids.length x
     * vocab row-major. The cache grows by ids.length.
     */
    public float[] forward(int[] ids, KvCache cache) {
        return forward(ids, cache, 0);
    }

    /**
     * As {@link #forward(int[], KvCache)} but computes logits only for ids[firstLogit..]: returns
     * (ids.length - firstLogit) x vocab. The LM head is the largest matmul of these small models, so
     * callers that score only part of a window skip the rest.
     */
    public float[] forward(int[] ids, KvCache cache, int firstLogit) {
        int n = ids.length;
        if (firstLogit < 0 || firstLogit > n) throw new IllegalArgumentException("firstLogit " + firstLogit + " outside 0.." + n);
        float[] logits = new float[(n - firstLogit) * config.vocabSize()];
        // The unscored prefix runs in micro-batches of about UBATCH tokens (as llama.cpp's n_ubatch), so the
        // per-token buffers are sized for a micro-batch, not the prompt; the scored rest (with at least
        // UBATCH tokens of the prompt) runs as one batch writing the logits. Every product, norm and
        // attention row is computed per token, the same in any batch of MIN_SPLIT tokens or more (the
        // batched paths' thresholds), so the logits are bit-identical to one batch; a shorter prefix is
        // not split.
        int start = Math.max(0, Math.min(firstLogit, n - UBATCH));
        if (start >= MIN_SPLIT) {
            int pieces = (start + UBATCH - 1) / UBATCH;
            for (int i = 0, from = 0; i < pieces; i++) {
                int to = (int) ((long) start * (i + 1) / pieces);
                run(Arrays.copyOfRange(ids, from, to), null, 0, to - from, cache, to - from, logits, null);
                from = to;
            }
        } else {
            start = 0;
        }
        int[] rest = start == 0 ? ids : Arrays.copyOfRange(ids, start, n);
        run(rest, null, 0, n - start, cache, firstLogit - start, logits, null);
        return logits;
    }

    /** Prefill micro-batch (tokens); see {@link #forward(int[], KvCache, int)}. */
    static final int UBATCH = 128;
    /**
     * Pieces are at least this long, so every product takes the path of the unsplit batch: the vector
     * kernels' batched form and, under llama-cpp activations, the float product over rounded activations.
     */
    private static final int MIN_SPLIT = Math.max(VectorKernels.MIN_BATCH, INTEGER_PRODUCT_TOKENS);

    /**
     * One decoding step: runs token id at position cache.length() and writes its logits into
     * logits[0 .. vocab). Reuses this model's buffers, so the token loop allocates no arrays (only a
     * few small objects per product: the pool's job record and the kernels' lambdas).
     */
    public void decode(int id, KvCache cache, float[] logits) {
        if (logits.length < config.vocabSize()) throw new IllegalArgumentException("logits buffer holds " + logits.length + " < vocab " + config.vocabSize());
        int[] one = oneToken;
        one[0] = id;
        forward(one, 1, cache, 0, logits);
    }

    private final int[] oneToken = new int[1];

    private void forward(int[] ids, int n, KvCache cache, int firstLogit, float[] logits) {
        run(ids, null, 0, n, cache, firstLogit, logits, null);
    }

    /**
     * As {@link #forward(int[], KvCache, int)} from an empty cache, also keeping the residual stream:
     * {@code residuals[l]} (l = 0 .. layers) becomes a copy of the n x hidden activations entering layer
     * l, {@code residuals[layers]} those after the last layer (before the final norm). With them
     * {@link #forwardFrom} resumes at any layer and gives bit-identical logits.
     */
    public float[] forwardCapturing(int[] ids, KvCache cache, int firstLogit, float[][] residuals) {
        if (residuals.length != layers.size() + 1) throw new IllegalArgumentException("need " + (layers.size() + 1) + " residual slots");
        int n = ids.length;
        float[] logits = new float[(n - firstLogit) * config.vocabSize()];
        run(ids, null, 0, n, cache, firstLogit, logits, residuals);
        return logits;
    }

    /**
     * Runs layers firstLayer .. from a residual stream kept by {@link #forwardCapturing} (n tokens at
     * positions cache.length() ..): what this model's layers below firstLayer would have produced, so
     * a model that differs from the captured one only at or above firstLayer gives exactly its own logits.
     * The cache's entries of layers below firstLayer stay empty (no later layer reads them).
     */
    public float[] forwardFrom(int firstLayer, float[] residual, int n, KvCache cache, int firstLogit) {
        if (firstLayer < 0 || firstLayer > layers.size()) throw new IllegalArgumentException("layer " + firstLayer + " outside 0.." + layers.size());
        if (residual.length < n * config.hiddenSize()) throw new IllegalArgumentException("residual too short");
        float[] logits = new float[(n - firstLogit) * config.vocabSize()];
        run(null, residual, firstLayer, n, cache, firstLogit, logits, null);
        return logits;
    }

    /**
     * This model with other weights for some tensors: the layers, embedding and LM head given, everything
     * else (norms, kernels, activation mode) shared. The copy owns no resources: closing it releases
     * nothing, and it is valid while this model is open.
     */
    public Transformer withWeights(Matrix embedding, List<DecoderLayer> layers, Matrix lmHead) {
        Transformer t = new Transformer(config, embedding, layers, finalNorm, lmHead, kernels, null);
        t.activations = activations;
        return t;
    }

    public Matrix embedding() {
        return embedding;
    }

    public Matrix lmHead() {
        return lmHead;
    }

    private void run(int[] ids, float[] residual, int firstLayer, int n, KvCache cache, int firstLogit, float[] logits, float[][] keep) {
        int h = config.hiddenSize(), vocab = config.vocabSize();
        if (n == 0) return;
        int pos0 = cache.length();
        Buffers b = buffers;
        if (b == null || b.tokens < n) buffers = b = new Buffers(config, n);
        float[] x = b.x;
        if (firstLayer > 0) {
            System.arraycopy(residual, 0, x, 0, n * h);
        } else {
            embed(ids, n, x);
        }
        for (int l = firstLayer; l < layers.size(); l++) {
            if (keep != null) keep[l] = java.util.Arrays.copyOf(x, n * h);
            layer(l, layers.get(l), x, n, pos0, cache, b);
        }
        if (keep != null) keep[layers.size()] = java.util.Arrays.copyOf(x, n * h);
        cache.advance(n);
        int m = n - firstLogit;
        // a prefix micro-batch scores nothing: no final norm and no LM head (a head product of zero tokens
        // still rebuilt every row from the decode repack: prefill of 256 tokens after a decode ran at 2/3 speed)
        if (m == 0) return;
        // the final norm of the scored rows, in place (x is scratch from here on)
        RmsNorm.apply(kernels, x, firstLogit * h, m, h, finalNorm, config.rmsNormEps(), b.norm);
        observe(-1, LinearInputObserver.Projection.LM_HEAD, b.norm, m, h);
        project(lmHead, b.norm, null, m, logits);
        float cap = config.finalSoftcap();
        if (cap > 0) for (int i = 0; i < m * vocab; i++) logits[i] = cap * (float) Math.tanh(logits[i] / cap);
    }

    private void embed(int[] ids, int n, float[] x) {
        int h = config.hiddenSize(), vocab = config.vocabSize();
        for (int t = 0; t < n; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) throw new IllegalArgumentException("token id " + ids[t] + " outside vocabulary of " + vocab);
            switch (embedding) {
                case FloatMatrix f -> f.copyRow(ids[t], x, t * h);
                case StoredMatrix s -> s.lookupRow(ids[t], x, t * h);
                case TernaryMatrix tm -> throw new IllegalStateException("ternary embedding");
            }
        }
        float es = config.embeddingScale();
        if (es != 1f) for (int i = 0; i < n * h; i++) x[i] *= es;
    }

    /** Scratch space for one forward call. */
    private static final class Buffers {
        final int tokens;
        final float[] x, norm, q, k, v, attn, out, gate, up, linearIn;
        final QuantizedActivations qHidden, qAttn, qFfn;
        /** Argument arrays for the shared-input products (q/k/v, gate/up), reused. */
        final TernaryMatrix[] three = new TernaryMatrix[3], two = new TernaryMatrix[2];
        final float[][] threeOut = new float[3][], twoOut = new float[2][];

        Buffers(ModelSpec c, int n) {
            tokens = n;
            x = new float[n * c.hiddenSize()];
            qHidden = QuantizedActivations.allocate(n, c.hiddenSize());
            qAttn = QuantizedActivations.allocate(n, c.qDim());
            qFfn = QuantizedActivations.allocate(n, c.intermediateSize());
            norm = new float[n * c.hiddenSize()];
            q = new float[n * c.qDim()];
            k = new float[n * c.kvDim()];
            v = new float[n * c.kvDim()];
            attn = new float[n * c.qDim()];
            out = new float[n * c.hiddenSize()];
            gate = new float[n * c.intermediateSize()];
            up = new float[n * c.intermediateSize()];
            // a linear's own input norm (use_rms_norm) writes here
            linearIn = c.linears().inputNorm() ? new float[n * Math.max(Math.max(c.hiddenSize(), c.qDim()), c.intermediateSize())] : null;
        }
    }

    private void layer(int l, DecoderLayer w, float[] x, int n, int pos0, KvCache cache, Buffers b) {
        int h = config.hiddenSize(), ffn = config.intermediateSize(), hd = config.headDim();
        float eps = config.rmsNormEps();

        RmsNorm.apply(kernels, x, 0, n, h, w.inputNorm(), eps, b.norm);
        if (observer != null) {
            observe(l, LinearInputObserver.Projection.Q, b.norm, n, h);
            observe(l, LinearInputObserver.Projection.K, b.norm, n, h);
            observe(l, LinearInputObserver.Projection.V, b.norm, n, h);
        }
        QuantizedActivations qa = w.q().plain() && w.k().plain() && w.v().plain() ? quantizedIfTernary(w.q().weight(), b.norm, n, b.qHidden) : null;
        if (qa != null && w.k().weight() instanceof TernaryMatrix k && w.v().weight() instanceof TernaryMatrix v) {
            b.three[0] = (TernaryMatrix) w.q().weight();
            b.three[1] = k;
            b.three[2] = v;
            b.threeOut[0] = b.q;
            b.threeOut[1] = b.k;
            b.threeOut[2] = b.v;
            kernels.ternaryMatmuls(b.three, qa, b.threeOut);
        } else {
            apply(w.q(), b.norm, qa, n, b.qHidden, b, b.q);
            apply(w.k(), b.norm, qa, n, b.qHidden, b, b.k);
            apply(w.v(), b.norm, qa, n, b.qHidden, b, b.v);
        }
        if (w.qNorm() != null) {
            RmsNorm.apply(kernels, b.q, 0, n * config.heads(), hd, w.qNorm(), eps, b.q);
            RmsNorm.apply(kernels, b.k, 0, n * config.kvHeads(), hd, w.kNorm(), eps, b.k);
        }
        Rope rope = ropes[l];
        for (int t = 0; t < n; t++) {
            rope.apply(b.q, t * config.qDim(), config.heads(), pos0 + t);
            rope.apply(b.k, t * config.kvDim(), config.kvHeads(), pos0 + t);
        }
        cache.put(l, b.k, b.v, n);
        kernels.attention(config, l, b.q, n, pos0, cache.keys(l), cache.values(l), b.attn);
        if (w.attnSubNorm() != null) RmsNorm.apply(kernels, b.attn, 0, n, config.qDim(), w.attnSubNorm(), eps, b.attn);
        observe(l, LinearInputObserver.Projection.O, b.attn, n, config.qDim());
        apply(w.o(), b.attn, null, n, b.qAttn, b, b.out);
        if (config.sandwichNorms()) RmsNorm.apply(kernels, b.out, 0, n, h, w.postAttentionNorm(), eps, b.out);
        addInto(x, b.out, n * h);

        RmsNorm.apply(kernels, x, 0, n, h, config.sandwichNorms() ? w.preFeedforwardNorm() : w.postAttentionNorm(), eps, b.norm);
        if (observer != null) {
            observe(l, LinearInputObserver.Projection.GATE, b.norm, n, h);
            observe(l, LinearInputObserver.Projection.UP, b.norm, n, h);
        }
        qa = w.gate().plain() && w.up().plain() ? quantizedIfTernary(w.gate().weight(), b.norm, n, b.qHidden) : null;
        if (qa != null && w.up().weight() instanceof TernaryMatrix up) {
            b.two[0] = (TernaryMatrix) w.gate().weight();
            b.two[1] = up;
            b.twoOut[0] = b.gate;
            b.twoOut[1] = b.up;
            kernels.ternaryMatmuls(b.two, qa, b.twoOut);
        } else {
            apply(w.gate(), b.norm, qa, n, b.qHidden, b, b.gate);
            apply(w.up(), b.norm, qa, n, b.qHidden, b, b.up);
        }
        gated(config.activation(), b.gate, b.up, n * ffn);
        if (w.ffnSubNorm() != null) RmsNorm.apply(kernels, b.gate, 0, n, ffn, w.ffnSubNorm(), eps, b.gate);
        observe(l, LinearInputObserver.Projection.DOWN, b.gate, n, ffn);
        apply(w.down(), b.gate, null, n, b.qFfn, b, b.out);
        if (config.sandwichNorms()) RmsNorm.apply(kernels, b.out, 0, n, h, w.postFeedforwardNorm(), eps, b.out);
        addInto(x, b.out, n * h);
    }

    /** x += y over len elements, split over the kernels' threads when long (each element as alone). */
    private void addInto(float[] x, float[] y, int len) {
        kernels.forRange(len, ELEMENTWISE_CHUNK, (from, to) -> {
            for (int i = from; i < to; i++) x[i] += y[i];
        });
    }

    /** gate = act(gate) * up over len elements, split over the kernels' threads (its exp made it ~6% of serial prefill). */
    private void gated(Activation act, float[] gate, float[] up, int len) {
        kernels.forRange(len, ELEMENTWISE_CHUNK, (from, to) -> {
            if (act == Activation.RELU2) {
                // its own loop, Activation.apply's expression: C2 vectorizes it (vmaxps); per element through
                // apply it stayed a branch on the sign, mispredicted half the time (probe 128 x 6912: 5.1 ->
                // 0.5 ms; 3.5% of a 2B4T trit ppl run in JFR)
                for (int i = from; i < to; i++) {
                    float r = Math.max(gate[i], 0f);
                    gate[i] = r * r * up[i];
                }
            } else {
                for (int i = from; i < to; i++) gate[i] = act.apply(gate[i]) * up[i];
            }
        });
    }

    /** Elements per thread below which element-wise work stays on one thread (a hand-off costs ~10 us). */
    private static final int ELEMENTWISE_CHUNK = 1 << 15;

    private void observe(int layer, LinearInputObserver.Projection p, float[] in, int n, int cols) {
        if (observer != null && n > 0) observer.observe(layer, p, in, n, cols);
    }

    /**
     * y = linear(x) for n tokens: its own input norm first (use_rms_norm), the activations quantized
     * into qBuf for a ternary weight unless qa already holds them, then the product and the bias.
     */
    private void apply(Linear lin, float[] x, QuantizedActivations qa, int n, QuantizedActivations qBuf, Buffers b, float[] y) {
        float[] in = x;
        if (lin.inputNorm() != null) {
            int cols = lin.weight().cols();
            RmsNorm.apply(kernels, x, 0, n, cols, lin.inputNorm(), config.linears().inputNormEps(), b.linearIn);
            in = b.linearIn;
            qa = null;
        }
        if (lin.int8Input() && !(lin.weight() instanceof TernaryMatrix)) {
            // a latent BitLinear: activation_quant's fake-quantized input (q / s) meets the float weight
            QuantizedActivations fq = QuantizedActivations.quantizeInto(in, n, qBuf);
            int cols = lin.weight().cols(), len = n * cols;
            if (fakeQuantized.length < len) fakeQuantized = new float[len];
            for (int t = 0; t < n; t++) {
                float s = fq.scale()[t];
                for (int c = 0; c < cols; c++) fakeQuantized[t * cols + c] = fq.q()[t * cols + c] / s;
            }
            in = fakeQuantized;
            qa = null;
        } else if (qa == null) {
            qa = quantizedIfTernary(lin.weight(), in, n, qBuf);
        }
        project(lin.weight(), in, qa, n, y);
        float[] bias = lin.bias();
        if (bias != null) {
            int rows = bias.length;
            for (int t = 0; t < n; t++) for (int r = 0; r < rows; r++) y[t * rows + r] += bias[r];
        }
    }

    /** x's n rows quantized into dst's buffers (a view of its first n tokens), or null for a float layer. */
    private static QuantizedActivations quantizedIfTernary(Matrix w, float[] x, int n, QuantizedActivations dst) {
        return w instanceof TernaryMatrix ? QuantizedActivations.quantizeInto(x, n, dst) : null;
    }

    private void project(Matrix w, float[] x, QuantizedActivations qa, int n, float[] y) {
        switch (w) {
            case TernaryMatrix t -> kernels.ternaryMatmul(t, qa, y);
            case FloatMatrix f -> kernels.matmul(f, x, n, y);
            case StoredMatrix s -> {
                StoredMatrix.VecDot vd = s.encoding().vecDotType();
                if (activations == ActivationMode.LLAMA_CPP && s.encoding().q8KDot() && n < INTEGER_PRODUCT_TOKENS) {
                    q8k = Q8KActivations.quantizeInto(x, n, s.cols(), q8k);
                    kernels.matmul(s, q8k, y);
                } else if (activations == ActivationMode.LLAMA_CPP && vd != StoredMatrix.VecDot.F32) {
                    int len = n * s.cols();
                    if (rounded.length < len) rounded = new float[len];
                    LlamaCppActivations.roundTrip(vd, x, n, s.cols(), rounded);
                    kernels.matmul(s, rounded, n, y);
                } else {
                    kernels.matmul(s, x, n, y);
                }
            }
        }
    }
}
