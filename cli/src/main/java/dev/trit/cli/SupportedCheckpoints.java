package dev.trit.cli;

import dev.trit.formats.family.Families;
import dev.trit.formats.family.Family;
import java.util.List;
import java.util.Map;

/**
 * The short "supported checkpoints" table {@code trit demo} prints and the report shows: per family, the
 * HF architectures that select it (from the family classes themselves), the layouts trit reads, and what
 * its numbers were checked against (the tests named in the README).
 */
final class SupportedCheckpoints {
    private SupportedCheckpoints() {
    }

    private record Row(String layouts, String verified) {
    }

    private static final Map<String, Row> ROWS = Map.of(
            "llama", new Row("HF f16/bf16/f32; BitLinear from quantization_config (packed U8, per-linear RMSNorm); trit x scale floats (TriLM); GGUF llama",
                    "transformers: mini/demo-llama, llama32 (llama3 RoPE), llama3-bitlinear, falcon-e(-bf16), llama-bitlinear-rmsnorm, trilm replicas; llama.cpp GGUFs"),
            "qwen2", new Row("HF bf16/f16/f32; GGUF qwen2", "transformers: qwen25-bf16 replica"),
            "qwen3", new Row("HF bf16/f16/f32; GGUF qwen3", "transformers: qwen3-bf16 replica"),
            "gemma3", new Row("HF bf16/f16/f32; GGUF gemma3", "transformers: gemma3-bf16 replica (5 sliding + 1 full layers)"),
            "bitnet-b1.58", new Row("HF packed 2-bit or bf16 latent; GGUF TQ1_0/TQ2_0/I2_S",
                    "transformers: demo-bitnet-*, bitnet-2b4t replica"),
            "bitnet", new Row("HF fp16 latent (1bitLLM); GGUF bitnet TQ1_0/TQ2_0/F16", "transformers: mini-bitnet-fp16; llama-perplexity: mini-bitnet GGUFs"));

    static List<String> lines() {
        List<String> out = new java.util.ArrayList<>();
        out.add("supported checkpoints (family: HF architectures; layouts; verified against):");
        for (Family f : Families.ALL) {
            Row r = ROWS.get(f.name());
            out.add(String.format(java.util.Locale.ROOT, "  %-12s %s; %s; %s", f.name(), String.join(", ", f.hfArchitectures()), r.layouts(), r.verified()));
        }
        return out;
    }
}
