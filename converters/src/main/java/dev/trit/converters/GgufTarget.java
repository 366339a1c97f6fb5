package dev.trit.converters;

import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufArray;
import dev.trit.formats.GgufValue;
import dev.trit.formats.GgufValueType;
import dev.trit.formats.GgufWriter;
import dev.trit.formats.TernaryCodec;
import dev.trit.formats.TernaryScales;
import dev.trit.formats.TernaryValues;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.trit.formats.family.BitNetB158;
import dev.trit.formats.family.Gemma3;
import dev.trit.formats.family.Llama;
import dev.trit.formats.family.RopeSpec;

/**
 * Writes a model as GGUF the way llama.cpp's convert_hf_to_gguf.py does: metadata keys, their types
 * and order; tensors in source order; 1-D tensors and norms F32; with TQ1_0/TQ2_0 (and I2_S) the
 * token embedding and output F16; Q8_0 and the ternary types fall back to F16 for rows that are not
 * whole blocks (gguf-py's QuantError fallback). LLaMA's Q and K rows are permuted for rotary.
 * llama-quantize's mixtures ({@link TargetType#isQuantMix()}) are written as llama-quantize writes them
 * instead: types per {@link QuantMix}, tensors in llama.cpp's loader order, a GGUF source's key-value
 * pairs copied, general.quantization_version and general.file_type last.
 */
final class GgufTarget {
    private GgufTarget() {
    }

    static List<WrittenTensor> write(SourceModel m, TargetType target, Path dst, Progress progress, boolean keepHfFiles) throws IOException {
        return write(m, target, dst, progress, keepHfFiles, EmbeddingTypes.DEFAULT);
    }

    static List<WrittenTensor> write(SourceModel m, TargetType target, Path dst, Progress progress, boolean keepHfFiles, EmbeddingTypes heads)
            throws IOException {
        return write(m, target, dst, progress, keepHfFiles, heads, null);
    }

    /** As above; plan (null: none) overrides the mixture's type of the tensors it names (trit convert --plan). */
    static List<WrittenTensor> write(SourceModel m, TargetType target, Path dst, Progress progress, boolean keepHfFiles, EmbeddingTypes heads,
                                     java.util.Map<String, GgmlType> plan) throws IOException {
        ModelSpec s = m.spec();
        boolean tied = m.tensors().stream().noneMatch(t -> t.name().equals("output.weight"));
        List<SourceTensor> tensors = new ArrayList<>();
        SourceTensor ropeFreqs = ropeFreqs(s);
        if (ropeFreqs != null) tensors.add(ropeFreqs); // convert_hf_to_gguf.py yields its extra tensors first
        tensors.addAll(m.tensors());
        boolean mix = target.isQuantMix();
        List<QuantMix.Choice> choices = null;
        if (mix) {
            // llama-quantize's layout: its loader's tensor order, types per QuantMix
            tensors.sort(java.util.Comparator.comparing(SourceTensor::name, QuantMix.FILE_ORDER));
            QuantMix.Model qm = new QuantMix.Model(s.layers(), s.heads(), s.kvHeads(),
                    s.family() instanceof Llama && s.layers() == 80 && s.heads() != s.kvHeads());
            choices = QuantMix.choose(target, tensors.stream().map(SourceTensor::name).toList(), tensors.stream().map(SourceTensor::shape).toList(),
                    qm, tied, heads);
            if (plan != null) {
                java.util.Set<String> names = new java.util.HashSet<>();
                for (SourceTensor t : tensors) names.add(t.name());
                for (String p : plan.keySet()) {
                    if (!names.contains(p)) throw new IllegalArgumentException("the plan names tensor " + p + ", which the model does not have");
                }
                List<QuantMix.Choice> planned = new ArrayList<>(choices);
                for (int i = 0; i < tensors.size(); i++) {
                    GgmlType want = plan.get(tensors.get(i).name());
                    if (want == null) continue;
                    if (choices.get(i) == null) {
                        throw new IllegalArgumentException("the plan gives " + tensors.get(i).name() + " a type, but it is not a quantizable tensor");
                    }
                    planned.set(i, want.blockSize() > 1 ? QuantMix.fallback(tensors.get(i).name(), tensors.get(i).cols(), want) : new QuantMix.Choice(want, null));
                }
                choices = planned;
            }
        }
        GgufWriter w = new GgufWriter();
        List<WrittenTensor> written = new ArrayList<>();
        ChunkedWork work = new ChunkedWork(progress, m.sourceBytes());
        long params = 0;
        for (int i = 0; i < tensors.size(); i++) {
            SourceTensor t = tensors.get(i);
            GgmlType type;
            String note;
            if (mix) {
                QuantMix.Choice c = choices.get(i);
                // not quantized by llama-quantize: what the converter's F16 file holds (norms and 1-D tensors F32)
                type = c == null ? typeFor(t, TargetType.GGUF_F16) : c.type();
                note = c == null ? null : c.note();
            } else {
                GgmlType chosen = heads.typeFor(t.name(), tied);
                type = chosen != null ? chosen : typeFor(t, target);
                note = chosen != null ? null : note(t, target, type);
            }
            if (t.cols() % type.blockSize() != 0) {
                throw new IllegalArgumentException(t.name() + " has rows of " + t.cols() + ", not whole " + type.label() + " blocks of " + type.blockSize());
            }
            params += t.elements();
            long bytes = type.bytesFor(t.elements());
            written.add(new WrittenTensor(t.name(), t.sourceType(), t.sourceBytes(), type.label(), bytes, t.elements(), note));
            w.addTensor(t.name(), type, t.shape(), out -> writeTensor(t, type, s, out, work));
        }
        if (mix && m.ggufMetadata() != null) {
            // llama-quantize copies the source's key-value pairs as they are
            m.ggufMetadata().forEach((k, v) -> {
                if (keepHfFiles || !k.startsWith(GgufSource.HF_FILE_PREFIX)) w.put(k, v);
            });
        } else {
            putMetadata(w, m, target, params, keepHfFiles);
        }
        if (mix) {
            // ... then sets these two, which moves them to the end
            w.remove("general.quantization_version").remove("general.file_type");
            w.put("general.quantization_version", GgufValue.uint32(2));
            w.put("general.file_type", GgufValue.uint32(target.fileType()));
        }
        // a planned file says so (trit compare reports it as planned_tensors; the report marks it a plan)
        if (plan != null) w.put(Converter.PLAN_KEY, GgufValue.uint32(plan.size()));
        w.write(dst);
        return written;
    }

    /** convert_hf_to_gguf.py's key-value pairs, in its order. */
    private static void putMetadata(GgufWriter w, SourceModel m, TargetType target, long params, boolean keepHfFiles) {
        ModelSpec s = m.spec();
        String a = s.family().ggufArch() + ".";
        w.put("general.architecture", GgufValue.string(s.family().ggufArch()));
        w.put("general.type", GgufValue.string("model"));
        if (!s.name().isEmpty()) w.put("general.name", GgufValue.string(s.name()));
        w.put("general.size_label", GgufValue.string(sizeLabel(params)));
        w.put(a + "block_count", GgufValue.uint32(s.layers()));
        w.put(a + "context_length", GgufValue.uint32(s.contextLength()));
        w.put(a + "embedding_length", GgufValue.uint32(s.hiddenSize()));
        w.put(a + "feed_forward_length", GgufValue.uint32(s.intermediateSize()));
        w.put(a + "attention.head_count", GgufValue.uint32(s.heads()));
        w.put(a + "attention.head_count_kv", GgufValue.uint32(s.kvHeads()));
        w.put(a + "attention.layer_norm_rms_epsilon", GgufValue.float32((float) s.rmsNormEps()));
        w.put(a + "attention.key_length", GgufValue.uint32(s.headDim()));
        w.put(a + "attention.value_length", GgufValue.uint32(s.headDim()));
        w.put("general.file_type", GgufValue.uint32(target.fileType()));
        RopeSpec rope = s.model() == null ? null : fullAttentionRope(s.model());
        if (s.family() instanceof Llama) {
            w.put(a + "vocab_size", GgufValue.uint32(s.vocabSize()));
            w.put(a + "rope.dimension_count", GgufValue.uint32(s.headDim()));
        } else if (ModelSpec.bitnetFamily(s.family())) {
            if (s.family() instanceof BitNetB158) w.put(a + "vocab_size", GgufValue.uint32(s.vocabSize()));
            w.put(a + "rope.scaling.type", GgufValue.string("linear"));
            w.put(a + "rope.scaling.factor", GgufValue.float32(1.0f));
        }
        if (!ModelSpec.bitnetFamily(s.family()) && rope != null && rope.type() == RopeSpec.Type.LINEAR) {
            // Gemma 3 (4B and up): llama.cpp applies it to the full-attention layers only, as transformers does
            w.put(a + "rope.scaling.type", GgufValue.string("linear"));
            w.put(a + "rope.scaling.factor", GgufValue.float32((float) rope.factor()));
        }
        if (s.model() != null) {
            int window = 0;
            for (var l : s.model().layerSpecs()) window = Math.max(window, l.slidingWindow());
            if (window > 0 && s.family() instanceof Gemma3) w.put(a + "attention.sliding_window", GgufValue.uint32(window));
        }
        w.put("general.quantization_version", GgufValue.uint32(2));
        w.putAll(m.tokenizer());
        w.put(a + "rope.freq_base", GgufValue.float32((float) (rope != null ? rope.theta() : s.ropeTheta())));
        if (s.weightBits() == 1) w.put("trit.weight_bits", GgufValue.uint32(1));
        if (keepHfFiles) {
            if (s.hfConfigJson() != null) w.put(GgufSource.HF_FILE_PREFIX + "config.json", GgufValue.string(s.hfConfigJson()));
            for (Map.Entry<String, byte[]> e : m.hfFiles().entrySet()) {
                String k = GgufSource.HF_FILE_PREFIX + e.getKey();
                w.put(k, e.getKey().endsWith(".json") ? GgufValue.string(new String(e.getValue(), StandardCharsets.UTF_8))
                        : GgufValue.array(new GgufArray(GgufValueType.UINT8, e.getValue().clone())));
            }
        }
    }

    /** The type one tensor gets in a file of the target type (see the class comment). */
    static GgmlType typeFor(SourceTensor t, TargetType target) {
        long cols = t.cols();
        if (t.shape().length <= 1 || t.name().endsWith("_norm.weight")) return GgmlType.F32;
        GgmlType want = target.ggml();
        if (target.isTernary()) {
            // llama.cpp writes the embedding and output F16; from a bf16 source that would round (bf16
            // has the wider exponent), so trit keeps them BF16 there to stay lossless.
            if (!(t instanceof SourceTensor.Ternary tt)) return t.sourceType().equals("BF16") ? GgmlType.BF16 : GgmlType.F16;
            if (want == GgmlType.I2_S || want == GgmlType.Q1_0) return cols % 128 == 0 ? want : GgmlType.F16;
            if (tt.layout() != null && !(tt.layout().alignsWith(want.blockSize()) && tt.layout().scalesAreF16())) {
                // llama-quantize's fallback for a tensor the type cannot hold: here the float type of
                // the source, which holds the ternary values exactly (F16 for TriLM's F16 linears)
                return switch (t.sourceType()) {
                    case "BF16" -> GgmlType.BF16;
                    case "F16" -> GgmlType.F16;
                    default -> GgmlType.F32;
                };
            }
            return cols % 256 == 0 ? want : GgmlType.F16;
        }
        if (cols % want.blockSize() != 0) return GgmlType.F16;
        return want;
    }

    /**
     * Why a ternary-valued tensor with several scales did not get the block type (or, when it did,
     * what the block type drops: the sign of -0.0 values); null when nothing is to be said.
     */
    static String note(SourceTensor t, TargetType target, GgmlType type) {
        if (!(t instanceof SourceTensor.Ternary tt) || tt.layout() == null || !target.isTernary()) return null;
        TernaryScales l = tt.layout();
        if (type == target.ggml()) {
            return l.negativeZeros() == 0 ? null : l.negativeZeros() + " values -0.0 written as +0.0 (" + type.label() + " keeps no sign of zero)";
        }
        String why = !l.scalesAreF16() ? "its scales are not float16 numbers"
                : "its scale regions (" + l.describe() + ") split " + target.ggml().label() + " blocks of " + target.ggml().blockSize() + " weights";
        return "ternary, but " + why + "; written as " + type.label() + " (exact)";
    }

    private static void writeTensor(SourceTensor t, GgmlType type, ModelSpec s, OutputStream out, ChunkedWork work) throws IOException {
        long rows = t.rows(), cols = t.cols();
        boolean permute = s.family().ggufPermutesQk() && (t.name().endsWith("attn_q.weight") || t.name().endsWith("attn_k.weight"));
        int chunk = Ternarizer.chunkRows(cols);
        int chunks = Math.toIntExact((rows + chunk - 1) / chunk);
        long rowBytes = type == GgmlType.I2_S ? cols / 4 : type.bytesFor(cols);
        ChunkPipeline.Sink sink = (i, b) -> {
            out.write(b.data(), 0, b.length());
            long row = (long) i * chunk;
            work.advance(t.name(), t.sourceBytes(), row, rows, Math.min(chunk, rows - row));
        };
        if (t instanceof SourceTensor.Ternary tt && (type.isTernary() || type == GgmlType.Q1_0)) {
            SourceTensor.RowReader<byte[]> r = permute ? QkPermutation.permutedTrits(tt.reader(), cols, s.headDim(), true) : tt.reader();
            ChunkPipeline.run(chunks, i -> {
                long row = (long) i * chunk;
                int n = (int) Math.min(chunk, rows - row);
                int count = Math.toIntExact(n * cols);
                byte[] part = new byte[count];
                r.read(row, n, part);
                int nb = Math.toIntExact(n * rowBytes);
                byte[] buf = new byte[nb];
                if (type == GgmlType.I2_S) {
                    packI2s(part, buf);
                } else if (type == GgmlType.Q1_0) {
                    packQ1(t.name(), part, tt.scale(), buf);
                } else {
                    float[] scales = new float[count / 256];
                    long blocksPerRow = cols / 256;
                    for (int b = 0; b < scales.length; b++) {
                        boolean any = false;
                        for (int j = b * 256; j < b * 256 + 256 && !any; j++) any = part[j] != 0;
                        float sc = tt.scale();
                        if (tt.layout() != null) {
                            // the layout is in HF row order; a permuted Q/K row comes from its HF row
                            long g = row + b / blocksPerRow;
                            long hfRow = permute ? QkPermutation.hfRowOfGguf(g, s.headDim()) : g;
                            sc = tt.layout().scaleAt(hfRow, (b % blocksPerRow) * 256);
                        }
                        scales[b] = any ? sc : 0f;
                    }
                    ((TernaryCodec) BlockCodec.of(type)).encodeTernary(new TernaryValues(part, scales, 256), MemorySegment.ofArray(buf));
                }
                return new ChunkPipeline.Bytes(buf, nb);
            }, sink);
            if (type == GgmlType.I2_S) {
                byte[] trailer = new byte[GgmlType.I2S_TRAILER_BYTES];
                ByteBuffer.wrap(trailer).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, tt.scale());
                out.write(trailer);
            }
            return;
        }
        SourceTensor.RowReader<float[]> r0 = switch (t) {
            case SourceTensor.Floats f -> f.reader();
            case SourceTensor.Ternary tt -> tt.asFloats();
        };
        SourceTensor.RowReader<float[]> r1 = permute ? QkPermutation.permuted(r0, cols, s.headDim(), true) : r0;
        SourceTensor.RowReader<float[]> r = NormShift.applies(s.family(), t.name()) ? NormShift.plusOne(r1, cols) : r1;
        BlockCodec codec = BlockCodec.of(type);
        ChunkPipeline.run(chunks, i -> {
            long row = (long) i * chunk;
            int n = (int) Math.min(chunk, rows - row);
            float[] vals = new float[Math.toIntExact(n * cols)];
            r.read(row, n, vals);
            int nb = Math.toIntExact(n * rowBytes);
            byte[] buf = new byte[nb];
            codec.encode(vals, 0, vals.length, MemorySegment.ofArray(buf));
            return new ChunkPipeline.Bytes(buf, nb);
        }, sink);
    }

    /** The RoPE of the full-attention layers (Gemma 3's sliding layers have their own base, which llama.cpp fixes at 10000). */
    static RopeSpec fullAttentionRope(dev.trit.formats.family.ModelSpec model) {
        for (var l : model.layerSpecs()) if (l.slidingWindow() == 0) return l.rope();
        return model.layerSpecs().getFirst().rope();
    }

    /**
     * llama.cpp's {@code rope_freqs.weight} for llama3 RoPE scaling (LlamaModel.generate_extra_tensors):
     * per frequency i the divisor of the default 1/theta^(2i/d): 1 for short wavelengths, the factor for
     * long ones, 1/((1 - smooth)/factor + smooth) between; float32 as torch computes it. Null when the
     * model has no llama3 scaling or is not a {@code llama} file.
     */
    static SourceTensor ropeFreqs(ModelSpec s) {
        if (s.model() == null || !(s.family() instanceof Llama)) return null;
        RopeSpec r = fullAttentionRope(s.model());
        if (r.type() != RopeSpec.Type.LLAMA3) return null;
        int half = s.headDim() / 2;
        float[] factors = new float[half];
        float[] freqs = RopeSpec.plain(r.theta()).inverseFrequencies(s.headDim());
        float lowWavelen = (float) (r.originalMaxPositions() / r.lowFreqFactor()), highWavelen = (float) (r.originalMaxPositions() / r.highFreqFactor());
        for (int i = 0; i < half; i++) {
            float wavelen = (float) (2 * Math.PI) / freqs[i];
            if (wavelen < highWavelen) factors[i] = 1f;
            else if (wavelen > lowWavelen) factors[i] = (float) r.factor();
            else {
                float smooth = (float) ((r.originalMaxPositions() / wavelen - r.lowFreqFactor()) / (r.highFreqFactor() - r.lowFreqFactor()));
                factors[i] = 1f / ((1 - smooth) / (float) r.factor() + smooth);
            }
        }
        return new SourceTensor.Floats(ROPE_FREQS, new long[] {half}, 0, "F32", (row0, nrows, dst) -> System.arraycopy(factors, 0, dst, 0, half));
    }

    /** llama.cpp's tensor of llama3 RoPE frequency divisors (derived from config.json; not a checkpoint tensor). */
    static final String ROPE_FREQS = "rope_freqs.weight";

    /** I2_S codes of whole 128-weight groups (see I2sCodec): byte m of a group holds weights m, m+32, m+64, m+96 from the high bits down. */
    static void packI2s(byte[] trits, byte[] dst) {
        for (int g = 0; g < trits.length / 128; g++) {
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int k = 0; k < 4; k++) q |= (trits[g * 128 + k * 32 + m] + 1) << (6 - 2 * k);
                dst[g * 32 + m] = (byte) q;
            }
        }
    }

    /**
     * Q1_0 blocks (ggml-common.h block_q1_0: fp16 d, then 128 bits, weight j at bit j % 8 of byte
     * j / 8, set for +d). quantize_row_q1_0_ref sets d = mean |x| of the block, which for ±scale weights
     * is the scale, so the tensor scale is stored directly.
     */
    static void packQ1(String name, byte[] trits, float scale, byte[] dst) throws IOException {
        short d = dev.trit.formats.Half.floatToF16(scale);
        for (int b = 0; b < trits.length / 128; b++) {
            int base = b * 18;
            dst[base] = (byte) d;
            dst[base + 1] = (byte) (d >>> 8);
            for (int j = 0; j < 16; j++) dst[base + 2 + j] = 0;
            for (int j = 0; j < 128; j++) {
                byte t = trits[b * 128 + j];
                if (t == 0) throw new IOException("tensor " + name + " has zero weights; q1_0 holds the signs of 1-bit (±1) weights only");
                if (t > 0) dst[base + 2 + j / 8] |= (byte) (1 << (j % 8));
            }
        }
    }

    /** gguf-py's size label: parameters scaled to K/M/B/T with at least two significant digits. */
    static String sizeLabel(long params) {
        double scaled;
        String suffix;
        if (params >= 1e12) { scaled = params * 1e-12; suffix = "T"; }
        else if (params >= 1e9) { scaled = params * 1e-9; suffix = "B"; }
        else if (params >= 1e6) { scaled = params * 1e-6; suffix = "M"; }
        else { scaled = params * 1e-3; suffix = "K"; }
        int digits = Long.toString(Math.round(scaled)).replaceFirst("^0+", "").length();
        int fix = Math.max(2 - digits, 0);
        return String.format(Locale.ROOT, "%." + fix + "f", scaled) + suffix;
    }
}
