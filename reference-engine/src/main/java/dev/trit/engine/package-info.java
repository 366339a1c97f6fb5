/**
 * The reference engine: LLaMA and BitNet forward passes that agree with transformers on the fixtures.
 *
 * <p>Typical use (what the CLI calls):
 * <pre>{@code
 * try (Parallel pool = new Parallel(Runtime.getRuntime().availableProcessors())) {
 *     Transformer model = HfModel.load(modelDir, new VectorKernels(pool));   // config.json + safetensors
 *     float[] logits = model.forward(ids, model.newCache(ids.length));      // ids.length x vocab
 *     PerplexityResult r = new PerplexityRun(model, 256, PerplexityProtocol.HF_WINDOWS)
 *             .run(ids, 0, System.err);                                     // ids without specials
 *     int[] text = new Generator(model, new Sampler.Greedy()).generate(prompt, 50, null);
 * }
 * }</pre>
 *
 * <p>Numerics: every BitNet linear is a {@link dev.trit.engine.TernaryMatrix} (2 bits per weight, one
 * scale) fed int8 per-token absmax activations; the products are summed exactly in integers and rescaled
 * once. Everything else runs in fp32. Weights: HF packed uint8 (bitlinear: divide by weight_scale;
 * autobitlinear offline: multiply), or latent bf16/fp16 ternarized at load with transformers' rule.
 * GGUF ternary tensors (TQ1_0, TQ2_0, I2_S, ternary-valued F16/F32) are decoded a few rows at a time
 * straight into the packed layout ({@code GgufTernary}); once a tensor is on the heap its mapped pages
 * are dropped from the resident set ({@link dev.trit.engine.WeightSource#release}), so a loaded model
 * holds its file's float tensors (mapped) plus 2 bits per ternary weight.
 */
package dev.trit.engine;
