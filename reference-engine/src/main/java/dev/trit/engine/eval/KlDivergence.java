package dev.trit.engine.eval;

import dev.trit.engine.LogSoftmax;

/**
 * One position of a KL-divergence comparison (llama-perplexity's {@code --kl-divergence}): the base
 * distribution P comes from a {@link TopLogprobs} dump, the model's Q from its full logits.
 *
 * <p>llama.cpp stores every base log-probability (quantized to 16 bits, values below -16 dropped).
 * A dump keeps only the top k and the rest's total mass, so here P and Q are compared over k + 1
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

    /** p (log p - log q), with 0 log 0 = 0. */
    private static double term(double lp, double lq) {
        if (lp == Double.NEGATIVE_INFINITY) return 0;
        return Math.exp(lp) * (lp - lq);
    }
}
