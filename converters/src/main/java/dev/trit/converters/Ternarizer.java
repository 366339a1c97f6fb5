package dev.trit.converters;

import dev.trit.formats.TernaryScales;
import java.io.IOException;

/**
 * The absmean rule of BitNet b1.58 as transformers' BitLinear applies it to latent weights (and
 * llama.cpp's convert_hf_to_gguf.py BitnetModel.weight_quant): in float32,
 * s = 1 / max(mean |W|, 1e-5), W_t = clamp(round(W * s), -1, 1) with round half to even (torch.round),
 * effective weight W_t / s.
 */
final class Ternarizer {
    /** Rows per chunk when streaming a tensor: bounded so the heap use stays small. */
    static final int CHUNK_ELEMENTS = 1 << 20;

    private Ternarizer() {
    }

    /** s = 1 / max(mean |W|, 1e-5), reading the tensor in row chunks. */
    static float absmeanMultiplier(SourceTensor.Floats t) throws IOException {
        long rows = t.rows(), cols = t.cols();
        int chunk = chunkRows(cols);
        int chunks = Math.toIntExact((rows + chunk - 1) / chunk);
        // The values are bf16/fp16/f32, so a double sum is exact far beyond model sizes (or within one
        // rounding of the exact sum); the mean is then rounded once to float32. Chunk sums are added
        // in chunk order, so the result does not depend on threads.
        double sum = ChunkPipeline.sum(chunks, i -> {
            long r = (long) i * chunk;
            int n = (int) Math.min(chunk, rows - r);
            float[] buf = new float[Math.toIntExact(n * cols)];
            t.reader().read(r, n, buf);
            double part = 0;
            for (float x : buf) part += Math.abs(x);
            return part;
        });
        float mean = (float) (sum / t.elements());
        return 1f / Math.max(mean, 1e-5f);
    }

    /** The ternary view of a latent tensor under the absmean rule. */
    static SourceTensor.Ternary ternarize(SourceTensor.Floats t) throws IOException {
        float s = absmeanMultiplier(t);
        long cols = t.cols();
        SourceTensor.RowReader<float[]> src = t.reader();
        SourceTensor.RowReader<byte[]> trits = (row0, nrows, dst) -> {
            int n = Math.toIntExact(nrows * cols);
            float[] w = new float[n];
            src.read(row0, nrows, w);
            for (int i = 0; i < n; i++) {
                float q = (float) Math.rint(w[i] * s);
                dst[i] = (byte) Math.max(-1, Math.min(1, (int) q));
            }
        };
        SourceTensor.RowReader<float[]> values = (row0, nrows, dst) -> {
            int n = Math.toIntExact(nrows * cols);
            src.read(row0, nrows, dst);
            for (int i = 0; i < n; i++) {
                float q = (float) Math.rint(dst[i] * s);
                dst[i] = Math.max(-1f, Math.min(1f, q)) / s;
            }
        };
        return new SourceTensor.Ternary(t.name(), t.shape(), t.sourceBytes(), t.sourceType(), trits, 1f / s, s, values);
    }

    /**
     * The original 1-bit BitNet's rule (arXiv 2310.11453) for latent weights: W_b = sign(W - mean W)
     * (a weight exactly at the mean counts as +1), scale mean |W|. Used for models whose config says
     * weight_bits 1.
     */
    static SourceTensor.Ternary binarize(SourceTensor.Floats t) throws IOException {
        long rows = t.rows(), cols = t.cols();
        int chunk = chunkRows(cols);
        int chunks = Math.toIntExact((rows + chunk - 1) / chunk);
        double[] sums = new double[2];
        sums[0] = ChunkPipeline.sum(chunks, i -> partial(t, i, chunk, false));
        sums[1] = ChunkPipeline.sum(chunks, i -> partial(t, i, chunk, true));
        float mean = (float) (sums[0] / t.elements()), scale = (float) (sums[1] / t.elements());
        SourceTensor.RowReader<float[]> src = t.reader();
        SourceTensor.RowReader<byte[]> signs = (row0, nrows, dst) -> {
            int n = Math.toIntExact(nrows * cols);
            float[] w = new float[n];
            src.read(row0, nrows, w);
            for (int i = 0; i < n; i++) dst[i] = (byte) (w[i] - mean >= 0 ? 1 : -1);
        };
        return new SourceTensor.Ternary(t.name(), t.shape(), t.sourceBytes(), t.sourceType(), signs, scale, 1f / scale);
    }

    private static double partial(SourceTensor.Floats t, int i, int chunk, boolean abs) throws IOException {
        long r = (long) i * chunk;
        int n = (int) Math.min(chunk, t.rows() - r);
        float[] buf = new float[Math.toIntExact(n * t.cols())];
        t.reader().read(r, n, buf);
        double part = 0;
        for (float x : buf) part += abs ? Math.abs(x) : x;
        return part;
    }

    /**
     * A float tensor that already is ternary (every value in {-m, 0, +m} for one m > 0, as in
     * llama.cpp's F16 BitNet files), as trits with scale m; null if it is not.
     */
    static SourceTensor.Ternary exactTernary(SourceTensor.Floats t) throws IOException {
        long rows = t.rows(), cols = t.cols();
        int chunk = chunkRows(cols);
        float[] buf = new float[Math.toIntExact(chunk * cols)];
        float m = 0;
        for (long r = 0; r < rows; r += chunk) {
            int n = (int) Math.min(chunk, rows - r);
            t.reader().read(r, n, buf);
            for (int i = 0; i < n * cols; i++) {
                float a = Math.abs(buf[i]);
                if (a == 0) continue;
                if (m == 0) m = a;
                else if (a != m) return null;
            }
        }
        if (m == 0) return null;
        float scale = m;
        SourceTensor.RowReader<float[]> src = t.reader();
        SourceTensor.RowReader<byte[]> trits = (row0, nrows, dst) -> {
            int n = Math.toIntExact(nrows * cols);
            float[] w = new float[n];
            src.read(row0, nrows, w);
            for (int i = 0; i < n; i++) dst[i] = (byte) (w[i] > 0 ? 1 : w[i] < 0 ? -1 : 0);
        };
        return new SourceTensor.Ternary(t.name(), t.shape(), t.sourceBytes(), t.sourceType(), trits, scale, 1f / scale, src);
    }

    /**
     * A float tensor whose values are exactly trit × scale with scales per tensor, row block or column
     * block ({@link TernaryScales}; TriLM's linears), as trits with that layout and the source's own
     * values; null if it is not (read once, in row chunks).
     *
     * @param parallel config.json's pretraining_model_parallel, 0 if absent
     */
    static SourceTensor.Ternary scaledTernary(SourceTensor.Floats t, int parallel) throws IOException {
        if (t.shape().length != 2) return null;
        long rows = t.rows(), cols = t.cols();
        int chunk = chunkRows(cols);
        float[] buf = new float[Math.toIntExact(chunk * cols)];
        TernaryScales.Recognizer rec = new TernaryScales.Recognizer(rows, cols, parallel);
        for (long r = 0; r < rows && !rec.failed(); r += chunk) {
            int n = (int) Math.min(chunk, rows - r);
            t.reader().read(r, n, buf);
            rec.accept(r, n, buf);
        }
        if (rec.failed()) return null;
        TernaryScales layout = rec.finish().orElse(null);
        if (layout == null) return null;
        SourceTensor.RowReader<float[]> src = t.reader();
        SourceTensor.RowReader<byte[]> trits = (row0, nrows, dst) -> {
            int n = Math.toIntExact(nrows * cols);
            float[] w = new float[n];
            src.read(row0, nrows, w);
            for (int i = 0; i < n; i++) dst[i] = TernaryScales.trit(w[i]);
        };
        float first = layout.distinctScales()[0];
        return new SourceTensor.Ternary(t.name(), t.shape(), t.sourceBytes(), t.sourceType(), trits, first, 1f / first, src, layout);
    }

    /** Rows per streaming chunk for rows of cols elements (at least one). */
    static int chunkRows(long cols) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE / 4, CHUNK_ELEMENTS / Math.max(1, cols)));
    }
}
