package dev.trit.analysis;

import java.util.Map;
import java.util.Optional;

/**
 * The metric names every trit command writes into result tables ({@link ResultRow#metric}), with
 * their units. Other commands (perplexity, eval, bench) must use these names so that {@code trit
 * report} and {@code trit gate} find their rows. Fractions are in [0, 1], never percent.
 */
public final class Metrics {
    private Metrics() {
    }

    // Quality (engine / eval): task names the data set, e.g. "wikitext-2-test", "hellaswag".
    /** exp(mean NLL) over the scored tokens. Unit: ratio (dimensionless). */
    public static final String PERPLEXITY = "perplexity";
    /** Mean negative log-likelihood per scored token, natural log. Unit: nat. */
    public static final String NLL_MEAN = "nll_mean";
    /** Mean KL divergence KL(reference || this) of next-token distributions. Unit: nat. */
    public static final String KLD_MEAN = "kld_mean";
    /** 99th percentile of the per-token KL divergence. Unit: nat. */
    public static final String KLD_P99 = "kld_p99";
    /** Share of positions whose argmax equals the reference's. Unit: fraction. */
    public static final String TOP1_AGREEMENT = "top1_agreement";
    /** Task accuracy (lm-eval-harness "acc"). Unit: fraction. */
    public static final String ACC = "acc";
    /** Length-normalised accuracy ("acc_norm"). Unit: fraction. */
    public static final String ACC_NORM = "acc_norm";
    /** Number of tokens a quality metric was computed on. Unit: count. */
    public static final String TOKENS = "tokens";
    /** Standard errors of acc / acc_norm, sqrt(p(1-p)/(n-1)) (the harness's). Unit: fraction. */
    public static final String ACC_STDERR = "acc_stderr", ACC_NORM_STDERR = "acc_norm_stderr";
    /** Accuracy scored as llama-perplexity --hellaswag does (mean token log-prob after the shared prefix). Unit: fraction. */
    public static final String ACC_LLAMA_CPP = "acc_llama_cpp", ACC_LLAMA_CPP_STDERR = "acc_llama_cpp_stderr";
    /** Number of task items an accuracy was computed on. Unit: count. */
    public static final String ITEMS = "items";
    /** Median per-token KL divergence. Unit: nat. */
    public static final String KLD_MEDIAN = "kld_median";
    /** PPL(this) - PPL(reference) on the same tokens. Unit: ratio. */
    public static final String DELTA_PPL = "delta_ppl";
    /** RMS of p(this) - p(reference) of the actual next token. Unit: fraction. */
    public static final String DELTA_P_RMS = "delta_p_rms";

    // Size.
    /** Bytes of tensor data of the model (or, with a scope, of one tensor / layout). Unit: B. */
    public static final String SIZE_BYTES = "size_bytes";
    /** Storage bits per weight, scales included. Unit: bit. */
    public static final String BITS_PER_WEIGHT = "bits_per_weight";
    /** Number of weights (parameters). Unit: count. */
    public static final String PARAMETERS = "parameters";
    /** Bytes a unit's tensors shrink by at a type, against the source (trit sensitivity; scope: the unit). Unit: B. */
    public static final String BYTES_SAVED = "bytes_saved";

    // Speed (bench).
    /** Prompt processing throughput. Unit: tok/s. */
    public static final String PREFILL_TOK_S = "prefill_tok_s";
    /** Generation throughput. Unit: tok/s. */
    public static final String DECODE_TOK_S = "decode_tok_s";

    // Energy (energy model; task "energy-7nm" / "energy-45nm").
    /** Estimated arithmetic energy of one token. Unit: pJ. */
    public static final String ENERGY_PJ_PER_TOKEN = "energy_pj_per_token";
    /** Estimated energy of the weight matrix multiplications (linear layers) of one token. Unit: pJ. */
    public static final String MATMUL_ENERGY_PJ_PER_TOKEN = "matmul_energy_pj_per_token";
    /** FP16 energy divided by ternary energy, whole token. Unit: ratio. */
    public static final String ENERGY_RATIO_FP16_TERNARY = "energy_ratio_fp16_ternary";
    /** FP16 energy divided by ternary energy, weight matmuls only (the paper's 71.4x at 7 nm). Unit: ratio. */
    public static final String MATMUL_ENERGY_RATIO_FP16_TERNARY = "matmul_energy_ratio_fp16_ternary";
    /** Operation counts of one token, by kind. Unit: count. */
    public static final String OPS_INT8_ADD = "ops_int8_add", OPS_FP16_ADD = "ops_fp16_add", OPS_FP16_MUL = "ops_fp16_mul";
    /** Measured package energy of a bench run (RAPL). Unit: J. */
    public static final String MEASURED_ENERGY_J = "measured_energy_j";

    // Weight analysis (trit analyze; scope is a tensor name or "layer.N").
    /** Share of weights that are -1 / 0 / +1. Unit: fraction. */
    public static final String SHARE_NEG = "share_neg", SHARE_ZERO = "share_zero", SHARE_POS = "share_pos";
    /** The value a trit stands for: absmean of the latent weights, or 1/weight_scale of packed ones. */
    public static final String SCALE = "scale";
    /**
     * Ternary-valued float matrices (every value exactly trit × scale, scales per row or column block,
     * as TriLM stores them): the number of scale regions (scope: the tensor), and each region's scale
     * (scope "tensor:rows[a,b)" or "tensor:columns[a,b)"). Units: count; weight.
     */
    public static final String SCALE_REGIONS = "scale_regions", REGION_SCALE = "region_scale";
    /** mean |W| of latent (bf16/fp16/f32) weights before ternarization. */
    public static final String MEAN_ABS_LATENT = "mean_abs_latent";
    /** Empirical (order-0) entropy of the trits. Unit: bit (per weight). */
    public static final String ENTROPY_BITS = "entropy_bits";
    /** Measured size of the trits compressed by a real coder (variant names the coder), per weight. Unit: bit. */
    public static final String CODED_BITS_PER_WEIGHT = "coded_bits_per_weight";
    /** Measured compressed size in bytes (variant names the coder). Unit: B. */
    public static final String CODED_BYTES = "coded_bytes";
    /** Ternarization error of latent weights: mean squared error of W - s*W_t. Unit: (weight unit)^2. */
    public static final String TERNARY_MSE = "ternary_mse";
    /** Cosine similarity of latent weights and their ternarization. Unit: ratio. */
    public static final String TERNARY_COSINE = "ternary_cosine";

    // Activations (trit activations; scope is a linear's transformers module name, e.g.
    // "model.layers.0.self_attn.q_proj" or "lm_head"; values are of its input X as the engine feeds it).
    /** Largest |X|. Unit: activation (the model's hidden-state unit). */
    public static final String ACT_ABSMAX = "act_absmax";
    /** Median over tokens of the per-token absmax a_t. Unit: activation. */
    public static final String ACT_TOKEN_ABSMAX_MEDIAN = "act_token_absmax_median";
    /** Median over input channels of the per-channel absmax. Unit: activation. */
    public static final String ACT_CHANNEL_ABSMAX_MEDIAN = "act_channel_absmax_median";
    /** Channels whose absmax exceeds ActivationStats.OUTLIER_FACTOR × the median channel absmax. Unit: count. */
    public static final String ACT_OUTLIER_CHANNELS = "act_outlier_channels";
    /** Mean (X − X̂)² of per-token int8 absmax (BitNet b1.58), per-token 4-bit absmax (BitNet a4.8) and per-window int8 absmax quantization. Unit: activation^2. */
    public static final String ACT_INT8_TOKEN_MSE = "act_int8_token_mse", ACT_INT4_TOKEN_MSE = "act_int4_token_mse",
            ACT_INT8_TENSOR_MSE = "act_int8_tensor_mse";

    /** Tensors whose type a trit plan chose (a file trit convert --plan wrote; GGUF key trit.plan.tensors). Unit: count. */
    public static final String PLANNED_TENSORS = "planned_tensors";
    /** lm-evaluation-harness's wikitext metrics: exp(sum NLL / words), exp(sum NLL / UTF-8 bytes), sum NLL / (ln 2 * bytes). */
    public static final String WORD_PERPLEXITY = "word_perplexity", BYTE_PERPLEXITY = "byte_perplexity", BITS_PER_BYTE = "bits_per_byte";

    private static final Map<String, String> UNITS = Map.ofEntries(
            Map.entry(PLANNED_TENSORS, "count"),
            Map.entry(WORD_PERPLEXITY, "ratio"), Map.entry(BYTE_PERPLEXITY, "ratio"), Map.entry(BITS_PER_BYTE, "bit"),
            Map.entry(PERPLEXITY, "ratio"), Map.entry(NLL_MEAN, "nat"), Map.entry(KLD_MEAN, "nat"),
            Map.entry(KLD_P99, "nat"), Map.entry(TOP1_AGREEMENT, "fraction"), Map.entry(ACC, "fraction"),
            Map.entry(ACC_NORM, "fraction"), Map.entry(TOKENS, "count"), Map.entry(SIZE_BYTES, "B"), Map.entry(BYTES_SAVED, "B"),
            Map.entry(BITS_PER_WEIGHT, "bit"), Map.entry(PARAMETERS, "count"), Map.entry(PREFILL_TOK_S, "tok/s"),
            Map.entry(DECODE_TOK_S, "tok/s"), Map.entry(ENERGY_PJ_PER_TOKEN, "pJ"),
            Map.entry(MATMUL_ENERGY_PJ_PER_TOKEN, "pJ"), Map.entry(ENERGY_RATIO_FP16_TERNARY, "ratio"),
            Map.entry(MATMUL_ENERGY_RATIO_FP16_TERNARY, "ratio"), Map.entry(OPS_INT8_ADD, "count"),
            Map.entry(OPS_FP16_ADD, "count"), Map.entry(OPS_FP16_MUL, "count"), Map.entry(MEASURED_ENERGY_J, "J"),
            Map.entry(SHARE_NEG, "fraction"), Map.entry(SHARE_ZERO, "fraction"), Map.entry(SHARE_POS, "fraction"),
            Map.entry(SCALE, "weight"), Map.entry(SCALE_REGIONS, "count"), Map.entry(REGION_SCALE, "weight"), Map.entry(MEAN_ABS_LATENT, "weight"), Map.entry(ENTROPY_BITS, "bit"),
            Map.entry(CODED_BITS_PER_WEIGHT, "bit"), Map.entry(CODED_BYTES, "B"), Map.entry(TERNARY_MSE, "weight^2"),
            Map.entry(TERNARY_COSINE, "ratio"), Map.entry(ACC_STDERR, "fraction"), Map.entry(ACC_NORM_STDERR, "fraction"),
            Map.entry(ACC_LLAMA_CPP, "fraction"), Map.entry(ACC_LLAMA_CPP_STDERR, "fraction"), Map.entry(ITEMS, "count"),
            Map.entry(KLD_MEDIAN, "nat"), Map.entry(DELTA_PPL, "ratio"), Map.entry(DELTA_P_RMS, "fraction"),
            Map.entry(ACT_ABSMAX, "activation"), Map.entry(ACT_TOKEN_ABSMAX_MEDIAN, "activation"),
            Map.entry(ACT_CHANNEL_ABSMAX_MEDIAN, "activation"), Map.entry(ACT_OUTLIER_CHANNELS, "count"),
            Map.entry(ACT_INT8_TOKEN_MSE, "activation^2"), Map.entry(ACT_INT4_TOKEN_MSE, "activation^2"),
            Map.entry(ACT_INT8_TENSOR_MSE, "activation^2"));

    /** The unit of a known metric. */
    public static Optional<String> unitOf(String metric) {
        return Optional.ofNullable(UNITS.get(metric));
    }

    /** The unit of a known metric; IllegalArgumentException for an unknown one (a typo in our code). */
    public static String unit(String metric) {
        return unitOf(metric).orElseThrow(() -> new IllegalArgumentException("unknown metric " + metric));
    }
}
