package dev.trit.engine;

/**
 * Causal scaled dot-product attention with grouped-query heads: query head h reads key/value head
 * h / (heads / kvHeads), as transformers' repeat_kv lays them out.
 */
final class Attention {
    private Attention() {
    }

    /**
     * @param q    n x qDim queries (after RoPE) for positions pos0 .. pos0+n-1
     * @param keys cache keys, at least pos0+n positions x kvDim
     * @param out  n x qDim
     * @param from first work unit (token t, head h) = t * heads + h, to computes up to (exclusive)
     */
    static void compute(ModelConfig c, float[] q, int n, int pos0, float[] keys, float[] values, float[] out, int from, int to) {
        int hd = c.headDim(), qDim = c.qDim(), kvDim = c.kvDim(), group = c.groupSize();
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] scores = new float[pos0 + n];
        for (int unit = from; unit < to; unit++) {
            int t = unit / c.heads(), head = unit % c.heads();
            int len = pos0 + t + 1;
            {
                int qo = t * qDim + head * hd;
                int ko = (head / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    int kb = j * kvDim + ko;
                    float s = 0f;
                    for (int i = 0; i < hd; i++) s += q[qo + i] * keys[kb + i];
                    s *= scale;
                    scores[j] = s;
                    if (s > max) max = s;
                }
                float sum = 0f;
                for (int j = 0; j < len; j++) {
                    float e = (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                int oo = t * qDim + head * hd;
                for (int i = 0; i < hd; i++) out[oo + i] = 0f;
                for (int j = 0; j < len; j++) {
                    float p = scores[j] * inv;
                    int vb = j * kvDim + ko;
                    for (int i = 0; i < hd; i++) out[oo + i] += p * values[vb + i];
                }
            }
        }
    }
}
