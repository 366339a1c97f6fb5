package dev.trit.converters;

import dev.trit.formats.DType;
import dev.trit.formats.Half;
import dev.trit.formats.ShardedSafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a synthetic bitnet-b1.58 latent checkpoint (bf16, random weights from a fixed seed) of a
 * chosen size, streamed so that making it needs no more heap than converting it.
 */
final class SyntheticCheckpoint {
    private SyntheticCheckpoint() {
    }

    /** A model of {@code layers} blocks of hidden size h (ffn 4h, vocab 8h); returns its directory. */
    static Path write(Path dir, int h, int layers, long maxShardBytes) throws IOException {
        Files.createDirectories(dir);
        int ffn = 4 * h, vocab = 8 * h, heads = h / 64;
        ShardedSafetensorsWriter w = new ShardedSafetensorsWriter(dir, maxShardBytes).metadata("format", "pt");
        long[] seed = {12345};
        add(w, "model.embed_tokens.weight", new long[] {vocab, h}, seed, 0.02f);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            ones(w, p + "input_layernorm.weight", h);
            ones(w, p + "post_attention_layernorm.weight", h);
            ones(w, p + "self_attn.attn_sub_norm.weight", h);
            ones(w, p + "mlp.ffn_sub_norm.weight", ffn);
            for (String m : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) add(w, p + "self_attn." + m + ".weight", new long[] {h, h}, seed, 0.03f);
            add(w, p + "mlp.gate_proj.weight", new long[] {ffn, h}, seed, 0.03f);
            add(w, p + "mlp.up_proj.weight", new long[] {ffn, h}, seed, 0.03f);
            add(w, p + "mlp.down_proj.weight", new long[] {h, ffn}, seed, 0.03f);
        }
        ones(w, "model.norm.weight", h);
        w.write();
        Files.writeString(dir.resolve("config.json"), String.format(Locale.ROOT, """
                {"architectures": ["BitNetForCausalLM"], "model_type": "bitnet", "hidden_size": %d, "intermediate_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d, "vocab_size": %d,
                 "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "max_position_embeddings": 2048, "hidden_act": "relu2",
                 "tie_word_embeddings": true, "bos_token_id": 0, "eos_token_id": 1, "dtype": "bfloat16",
                 "quantization_config": {"linear_class": "autobitlinear", "quant_method": "bitnet", "quantization_mode": "online"}}
                """, h, ffn, layers, heads, heads, vocab));
        return dir;
    }

    private static void ones(ShardedSafetensorsWriter w, String name, int n) {
        w.add(name, DType.BF16, new long[] {n}, sink -> {
            ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) b.putShort(Half.floatToBf16(1f));
            b.flip();
            sink.write(b);
        });
    }

    private static void add(ShardedSafetensorsWriter w, String name, long[] shape, long[] seed, float std) {
        long n = shape[0] * shape[1];
        long s0 = seed[0]++;
        w.add(name, DType.BF16, shape, sink -> {
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long x = s0 * 0x9E3779B97F4A7C15L + 1;
            for (long i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                // uniform in [-std*sqrt3, std*sqrt3): mean |w| ~ 0.87 std
                float v = (float) (((x >>> 11) * 0x1.0p-53) * 2 - 1) * std * 1.7320508f;
                b.putShort(Half.floatToBf16(v));
                if (!b.hasRemaining()) {
                    b.flip();
                    sink.write(b);
                    b.clear();
                }
            }
            b.flip();
            sink.write(b);
        });
    }
}
