package dev.trit.engine.eval;

import dev.trit.engine.LogSoftmax;

/**
 * One position of a KL-divergence comparison (llama-perplexity's {@code --kl-divergence}): the base
 * distribution P comes from a base file, the model's Q from its full logits.
 *
 * <p>{@link #of(FullLogprobs, float[])}: the base keeps every log-probability (16-bit, as llama.cpp
 * stores its base) and everything is computed exactly as llama-perplexity computes it.
 *
 * <p>{@link #of(TopLogprobs, float[])}: the base keeps only the top k and the rest's total mass, so P
 * and Q are compared over k + 1
 * buckets: the base's top-k tokens one by one and all other tokens as one bucket, whose Q mass is
 * Q's total over the same tokens. Merging outcomes never increases a KL-divergence (log-sum
 * inequality), so this is a lower bound of the true KL(P||Q), tight when the base puts little mass
 * outside its top k (with k = 32 on a 4096-token vocabulary the rest is usually well under 1%).
 *
 * @param kld         KL(P||Q) over the buckets, in nats
 * @param nll         -log Q(next token)
 * @param nllBase     -log P(next token)
 * @param pDiff       Q(next) - P(next)
 * @param sameTop     whether Q's most likely token is P's
 */
public record KlDivergence(double kld, double nll, double nllBase, double pDiff, boolean sameTop) {

    public static KlDivergence of(TopLogprobs base, float[] modelLogits) {
        double lse = LogSoftmax.logSumExp(modelLogits);
        double kl = 0;
        for (int i = 0; i < base.ids().length; i++) {
            double lp = base.logprobs()[i];
            // Rounded to float exactly as the base was, so identical rows cancel exactly.
            double lq = (float) (modelLogits[base.ids()[i]] - lse);
            kl += term(lp, lq);
        }
        double restBase = base.restLogprob();
        double restModel = TopLogprobs.restLogprob(modelLogits, lse, base.ids());
        kl += term(restBase, restModel);
        double lpToken = (float) (modelLogits[base.token()] - lse);
        double nll = -lpToken, nllBase = -base.tokenLogprob();
        boolean same = base.ids().length > 0 && LogSoftmax.argmax(modelLogits) == base.ids()[0];
        return new KlDivergence(kl, nll, nllBase, Math.exp(lpToken) - Math.exp(base.tokenLogprob()), same);
    }

    /**
     * llama-perplexity's per-position statistics against a full base, in its arithmetic (float, sums of
     * the KL terms in double): Q's log-softmax from max logit + log(sum of expf), KL = sum over the
     * tokens whose base log-probability is above -16 of p (log p - log q), same top = the first maximal
     * logit of Q is the first maximal stored log-probability of P, Δp = Q(next) - P(next), with P read
     * back from its 16-bit steps (so the base's NLL is the stored one, as in llama.cpp).
     */
    public static KlDivergence of(FullLogprobs base, float[] modelLogits) {
        int n = modelLogits.length;
        if (base.vocabSize() != n) throw new IllegalArgumentException("base has " + base.vocabSize() + " tokens, the model " + n);
        float max = modelLogits[0];
        int top = 0;
        for (int i = 1; i < n; i++) {
            if (modelLogits[i] > max) {
                max = modelLogits[i];
                top = i;
            }
        }
        float logSumExp = (float) Math.log(FullLogprobs.sumExp(modelLogits, max));
        int tok = base.token();
        float nll = max + logSumExp - modelLogits[tok];
        float nllBase = -base.logprob(tok);
        float norm = max + logSumExp; // log q(i) = logit(i) - norm
        float scale = base.scale(), min = base.minLogprob();
        short[] q = base.q();
        double kl = 0;
        int topBase = 0;
        float topLp = 0;
        for (int i = 0; i < n; i++) {
            float lp = scale * (q[i] & 0xffff) + min;
            if (i == 0 || lp > topLp) {
                topLp = lp;
                topBase = i;
            }
            if (lp > -FullLogprobs.RANGE) kl += (float) Math.exp(lp) * (lp - modelLogits[i] + norm);
        }
        float pDiff = (float) Math.exp(-nll) - (float) Math.exp(-nllBase);
        return new KlDivergence(kl, nll, nllBase, pDiff, top == topBase);
    }

    /** p (log p - log q), with 0 log 0 = 0. */
    private static double term(double lp, double lq) {
        if (lp == Double.NEGATIVE_INFINITY) return 0;
        return Math.exp(lp) * (lp - lq);
    }
}
