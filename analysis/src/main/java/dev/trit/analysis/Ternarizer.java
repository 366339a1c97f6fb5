package dev.trit.analysis;

/**
 * BitNet b1.58's absmean ternarization of latent weights, as transformers' online BitLinear does it:
 * s = 1 / max(mean |W|, 1e-5), W_t = clamp(rint(W·s), -1, 1), effective weight W_t / s.
 */
public final class Ternarizer {
    private Ternarizer() {
    }

    /**
     * @param trits   the ternary weights
     * @param meanAbs mean |W| of the latent weights
     * @param scale   the value one trit stands for, max(mean |W|, 1e-5) = 1/s
     * @param mse     mean of (W - W_t/s)²
     * @param cosine  cosine similarity of W and W_t (NaN if either is all zeros)
     */
    public record Result(byte[] trits, double meanAbs, double scale, double mse, double cosine) {
    }

    public static Result ternarize(float[] w) {
        double sumAbs = 0;
        for (float x : w) sumAbs += Math.abs(x);
        double meanAbs = sumAbs / w.length;
        double scale = Math.max(meanAbs, 1e-5);
        // transformers multiplies by the reciprocal in the weight's dtype (float here); rounding
        // half to even as torch.round does.
        float s = (float) (1.0 / scale);
        byte[] t = new byte[w.length];
        double se = 0, dot = 0, ww = 0, tt = 0;
        for (int i = 0; i < w.length; i++) {
            double q = Math.rint(w[i] * s);
            int v = q > 1 ? 1 : q < -1 ? -1 : (int) q;
            t[i] = (byte) v;
            double e = w[i] - v * scale;
            se += e * e;
            dot += w[i] * v;
            ww += (double) w[i] * w[i];
            tt += v * v;
        }
        double cos = ww == 0 || tt == 0 ? Double.NaN : dot / Math.sqrt(ww * tt);
        return new Result(t, meanAbs, scale, se / w.length, cos);
    }
}
