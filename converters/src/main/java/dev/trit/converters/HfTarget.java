package dev.trit.converters;

import dev.trit.formats.HfPackedTernary;
import dev.trit.formats.TensorNames;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.formats.DType;
import dev.trit.formats.Half;
import dev.trit.formats.ShardedSafetensorsWriter;
import dev.trit.formats.TensorSink;
import dev.trit.formats.family.BitNetB158;
import dev.trit.formats.family.Bitnet1bitLLM;
import dev.trit.formats.family.LinearSpec;
import dev.trit.formats.family.Llama;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a model as a Hugging Face directory (config.json, weights, tokenizer files) into {@code dir},
 * which the caller provides empty.
 * <ul>
 *   <li>{@code packed}: microsoft/bitnet-b1.58-2B-4T's layout: BitLinear weights uint8 [out/4, in]
 *       (see {@link HfPackedTernary}) plus a bf16 {@code weight_scale} [1] holding the multiplier
 *       1/mean|W| (quantization_config bitlinear/offline); every other tensor bf16.</li>
 *   <li>{@code bf16}/{@code f16}/{@code f32}: every tensor in that dtype. BitLinear weights are
 *       written as latent weights trit * v with v = scale * n / nnz, so that the model's own absmean
 *       rule at load time gives back the same trits and (to the dtype's rounding) the same scale. A
 *       ternarized LLaMA has no such rule: its weights are written as trit * scale.</li>
 * </ul>
 * Sub-norms are named the microsoft way for {@code bitnet-b1.58} models and packed output, the 1bitLLM
 * way for {@code bitnet} latent output. Shards follow save_pretrained (5 GB unless told, index when more than one).
 */
final class HfTarget {
    /** transformers' save_pretrained default max_shard_size, "5GB". */
    static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private HfTarget() {
    }

    static List<WrittenTensor> write(SourceModel m, TargetType target, Path dir, long maxShardBytes, Progress progress) throws IOException {
        ModelSpec s = m.spec();
        boolean microsoft = target == TargetType.HF_PACKED || s.family() instanceof BitNetB158;
        TensorNames.SubNormStyle style = microsoft ? TensorNames.SubNormStyle.MICROSOFT : TensorNames.SubNormStyle.ONE_BIT_LLM;
        DType floatType = switch (target) {
            case HF_F16 -> DType.F16;
            case HF_F32 -> DType.F32;
            default -> DType.BF16;
        };
        ShardedSafetensorsWriter w = new ShardedSafetensorsWriter(dir, maxShardBytes).metadata("format", "pt");
        List<WrittenTensor> written = new ArrayList<>();
        ChunkedWork work = new ChunkedWork(progress, m.sourceBytes());
        for (SourceTensor t : m.tensors()) {
            String name = (ModelSpec.bitnetFamily(s.family()) ? TensorNames.toHf(t.name(), style) : TensorNames.toHf(s.family(), t.name())).orElseThrow(() -> new IOException("tensor " + t.name() + " has no Hugging Face name"));
            long rows = t.rows(), cols = t.cols();
            if (t instanceof SourceTensor.Ternary tt && target == TargetType.HF_PACKED) {
                if (rows % 4 != 0) throw new IOException("tensor " + t.name() + " has " + rows + " rows, not a multiple of 4 as packing needs");
                long[] shape = {rows / 4, cols};
                w.add(name, DType.U8, shape, sink -> writePacked(tt, sink, work));
                // weight_scale: the multiplier 1/mean|W| (bitlinear), or the scale itself where a kept
                // quantization_config says autobitlinear offline (it multiplies the output)
                short ws = Half.floatToBf16(keepsQuantization(s) && s.linears().kind() == LinearSpec.Kind.AUTOBITLINEAR_OFFLINE ? tt.scale() : tt.inverse());
                w.add(name + "_scale", DType.BF16, new long[] {1}, sink -> sink.write(new byte[] {(byte) ws, (byte) (ws >>> 8)}));
                written.add(new WrittenTensor(name, t.sourceType(), t.sourceBytes(), "U8", rows * cols / 4 + 2, t.elements()));
                continue;
            }
            long[] shape = t.shape();
            SourceTensor.RowReader<float[]> r;
            if (t instanceof SourceTensor.Ternary tt) {
                // BitNet loaders re-ternarize latent weights with absmean, so they get v; a LLaMA (a
                // post-training ternarized one) uses its weights as they are: trit * scale
                float v = ModelSpec.bitnetFamily(s.family()) || s.linears().kind() == LinearSpec.Kind.ONLINE ? latentValue(tt) : tt.scale();
                SourceTensor.RowReader<byte[]> trits = tt.reader();
                r = (row0, nrows, dst) -> {
                    int n = Math.toIntExact(nrows * cols);
                    byte[] b = new byte[n];
                    trits.read(row0, nrows, b);
                    for (int i = 0; i < n; i++) dst[i] = b[i] * v;
                };
            } else {
                r = ((SourceTensor.Floats) t).reader();
            }
            SourceTensor.RowReader<float[]> reader = r;
            w.add(name, floatType, shape, sink -> writeFloats(t, reader, floatType, sink, work));
            written.add(new WrittenTensor(name, t.sourceType(), t.sourceBytes(), floatType.label(), t.elements() * floatType.elementBytes(), t.elements()));
        }
        w.write();
        Files.writeString(dir.resolve("config.json"), configJson(s, target), StandardCharsets.UTF_8);
        for (Map.Entry<String, byte[]> e : m.hfFiles().entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
        return written;
    }

    /**
     * Whether the packed output keeps the source config's own quantization_config (a model of a
     * non-BitNet family whose linears that config makes BitLinear, offline: packed trits + weight_scale).
     */
    static boolean keepsQuantization(ModelSpec s) {
        return !ModelSpec.bitnetFamily(s.family()) && s.hfConfigJson() != null && s.linears().ternary()
                && s.linears().kind() != LinearSpec.Kind.ONLINE;
    }

    /** v = scale * n / nnz: see the class comment. */
    static float latentValue(SourceTensor.Ternary t) throws IOException {
        long rows = t.rows(), cols = t.cols(), nnz = 0;
        int chunk = Ternarizer.chunkRows(cols);
        byte[] b = new byte[Math.toIntExact(chunk * cols)];
        for (long row = 0; row < rows; row += chunk) {
            int n = (int) Math.min(chunk, rows - row);
            t.reader().read(row, n, b);
            for (int i = 0; i < n * cols; i++) if (b[i] != 0) nnz++;
        }
        return nnz == 0 ? t.scale() : (float) ((double) t.scale() * t.elements() / nnz);
    }

    private static void writePacked(SourceTensor.Ternary t, TensorSink sink, ChunkedWork work) throws IOException {
        long quarter = t.rows() / 4, cols = t.cols();
        int chunk = Ternarizer.chunkRows(cols);
        int chunks = Math.toIntExact((quarter + chunk - 1) / chunk);
        ChunkPipeline.run(chunks, i -> {
            long p = (long) i * chunk;
            int n = (int) Math.min(chunk, quarter - p);
            byte[][] parts = new byte[4][Math.toIntExact(n * cols)];
            for (int k = 0; k < 4; k++) t.reader().read(p + k * quarter, n, parts[k]);
            byte[] out = new byte[Math.toIntExact(n * cols)];
            HfPackedTernary.pack(parts, cols, n, out);
            return new ChunkPipeline.Bytes(out, out.length);
        }, (i, b) -> {
            sink.write(b.data(), 0, b.length());
            long p = (long) i * chunk;
            work.advance(t.name(), t.sourceBytes(), p, quarter, Math.min(chunk, quarter - p));
        });
    }

    private static void writeFloats(SourceTensor t, SourceTensor.RowReader<float[]> r, DType type, TensorSink sink, ChunkedWork work) throws IOException {
        long rows = t.rows(), cols = t.cols();
        int chunk = Ternarizer.chunkRows(cols);
        int chunks = Math.toIntExact((rows + chunk - 1) / chunk);
        ChunkPipeline.run(chunks, i -> {
            long row = (long) i * chunk;
            int n = (int) Math.min(chunk, rows - row);
            int count = Math.toIntExact(n * cols);
            float[] vals = new float[count];
            r.read(row, n, vals);
            ByteBuffer buf = ByteBuffer.allocate(count * type.elementBytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < count; j++) {
                switch (type) {
                    case F16 -> buf.putShort(Half.floatToF16(vals[j]));
                    case BF16 -> buf.putShort(Half.floatToBf16(vals[j]));
                    default -> buf.putFloat(vals[j]);
                }
            }
            return new ChunkPipeline.Bytes(buf.array(), buf.position());
        }, (i, b) -> {
            sink.write(b.data(), 0, b.length());
            long row = (long) i * chunk;
            work.advance(t.name(), t.sourceBytes(), row, rows, Math.min(chunk, rows - row));
        });
    }

    /** config.json for the target: the source's own config (if known) with the layout's fields set. */
    static String configJson(ModelSpec s, TargetType target) throws IOException {
        JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        ObjectNode c = s.hfConfigJson() != null ? (ObjectNode) mapper.readTree(s.hfConfigJson()) : mapper.createObjectNode();
        if (s.hfConfigJson() == null) {
            if (s.family() instanceof Llama) {
                c.putArray("architectures").add("LlamaForCausalLM");
                c.put("model_type", "llama");
                c.put("hidden_act", "silu");
            } else if (s.family() instanceof Bitnet1bitLLM) {
                c.putArray("architectures").add("BitnetForCausalLM");
                c.put("model_type", "llama");
                c.put("hidden_act", "silu");
                c.put("input_bits", 8);
                c.put("weight_bits", 1);
            } else if (s.family() instanceof BitNetB158) {
                c.putArray("architectures").add("BitNetForCausalLM");
                c.put("model_type", "bitnet");
                c.put("hidden_act", "relu2");
            } else {
                // qwen2/qwen3/gemma3 keys (head_dim defaults, sliding windows, Gemma's query_pre_attn_scalar) that
                // llama.cpp's metadata does not carry: refuse rather than write a config that computes otherwise
                throw new IOException("the GGUF keeps no config.json (trit.hf.config.json) and trit writes one only for llama and BitNet; "
                        + "give the model's config.json with --arch-from-config");
            }
            c.put("hidden_size", s.hiddenSize());
            c.put("intermediate_size", s.intermediateSize());
            c.put("num_hidden_layers", s.layers());
            c.put("num_attention_heads", s.heads());
            c.put("num_key_value_heads", s.kvHeads());
            c.put("head_dim", s.headDim());
            c.put("vocab_size", s.vocabSize());
            c.put("rms_norm_eps", s.rmsNormEps());
            c.put("rope_theta", s.ropeTheta());
            c.put("max_position_embeddings", s.contextLength());
            c.put("tie_word_embeddings", s.tiedEmbeddings());
            if (s.bosId() >= 0) c.put("bos_token_id", s.bosId());
            if (s.eosId() >= 0) c.put("eos_token_id", s.eosId());
            if (s.weightBits() == 1) c.put("weight_bits", 1);
        }
        String dtype = switch (target) {
            case HF_F16 -> "float16";
            case HF_F32 -> "float32";
            default -> "bfloat16";
        };
        c.put("dtype", dtype);
        if (c.has("torch_dtype")) c.put("torch_dtype", dtype);
        if (keepsQuantization(s) && target == TargetType.HF_PACKED) {
            // a BitLinear LLaMA (HF1BitLLM, Falcon-E, use_rms_norm): its own architecture and quantization_config stay
            return mapper.writeValueAsString(c);
        }
        c.remove("quantization_config");
        if (target == TargetType.HF_PACKED) {
            c.putArray("architectures").add("BitNetForCausalLM");
            c.put("model_type", "bitnet");
            if (s.weightBits() != 1) c.remove("weight_bits");
            c.remove("input_bits");
            ObjectNode q = c.putObject("quantization_config");
            q.put("linear_class", "bitlinear");
            q.put("quant_method", "bitnet");
            q.put("quantization_mode", "offline");
        } else if (s.family() instanceof BitNetB158) {
            ObjectNode q = c.putObject("quantization_config");
            q.put("linear_class", "autobitlinear");
            q.put("quant_method", "bitnet");
            q.put("quantization_mode", "online");
        }
        return mapper.writeValueAsString(c);
    }

}
