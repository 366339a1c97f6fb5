package dev.trit.engine;

import dev.trit.formats.family.ModelSpec;

/**
 * Causal scaled dot-product attention with grouped-query heads: query head h reads key/value head
 * h / (heads / kvHeads), as transformers' repeat_kv lays them out. Scores are q·k times the model's
 * attention scale, soft-capped when the model says so; a sliding-window layer lets the query at
 * position i see keys j with i - j < window (transformers' sliding_window mask).
 */
final class Attention {
    private Attention() {
    }

    /**
     * @param q    n x qDim queries (after RoPE) for positions pos0 .. pos0+n-1
     * @param keys cache keys, transposed: column c of position j at c * capacity + j (see {@link KvCache})
     * @param out  n x qDim
     * @param from first work unit (token t, head h) = t * heads + h, to computes up to (exclusive)
     */
    static void compute(ModelSpec c, int layer, float[] q, int n, int pos0, float[] keys, float[] values, float[] out, int from, int to) {
        int hd = c.headDim(), qDim = c.qDim(), kvDim = c.kvDim(), group = c.groupSize();
        float scale = c.attentionScale(), cap = c.attnSoftcap();
        int window = c.layerSpecs().get(layer).slidingWindow();
        float[] scores = new float[pos0 + n];
        int capacity = keys.length / kvDim;
        for (int unit = from; unit < to; unit++) {
            int t = unit / c.heads(), head = unit % c.heads();
            int len = pos0 + t + 1;
            int first = window > 0 ? Math.max(0, len - window) : 0;
            {
                int qo = t * qDim + head * hd;
                int ko = (head / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = first; j < len; j++) {
                    float s = 0f;
                    for (int i = 0; i < hd; i++) s += q[qo + i] * keys[(ko + i) * capacity + j];
                    s *= scale;
                    if (cap > 0) s = cap * (float) Math.tanh(s / cap);
                    scores[j] = s;
                    if (s > max) max = s;
                }
                float sum = 0f;
                for (int j = first; j < len; j++) {
                    float e = (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                int oo = t * qDim + head * hd;
                for (int i = 0; i < hd; i++) out[oo + i] = 0f;
                for (int j = first; j < len; j++) {
                    float p = scores[j] * inv;
                    int vb = j * kvDim + ko;
                    for (int i = 0; i < hd; i++) out[oo + i] += p * values[vb + i];
                }
            }
        }
    }
}
