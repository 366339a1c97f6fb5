package dev.trit.engine.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulates {@link KlDivergence} positions and summarises them with the statistics
 * llama-perplexity prints after {@code --kl-divergence} (same sums, same uncertainty formulas,
 * same percentile interpolation), so the numbers read the same way.
 */
public final class KldStats {
    private double sumNll, sumNll2, sumNllBase, sumNllBase2, sumNllNllBase;
    private double sumKld, sumKld2, sumPDiff, sumPDiff2, sumPDiff4;
    private long sameTop, count;
    private double[] klds = new double[1024], pDiffs = new double[1024];

    public void add(KlDivergence d) {
        sumNll += d.nll();
        sumNll2 += d.nll() * d.nll();
        sumNllBase += d.nllBase();
        sumNllBase2 += d.nllBase() * d.nllBase();
        sumNllNllBase += d.nll() * d.nllBase();
        sumKld += d.kld();
        sumKld2 += d.kld() * d.kld();
        sumPDiff += d.pDiff();
        double p2 = d.pDiff() * d.pDiff();
        sumPDiff2 += p2;
        sumPDiff4 += p2 * p2;
        if (d.sameTop()) sameTop++;
        if (count == klds.length) {
            if (count > Integer.MAX_VALUE - 16) throw new IllegalStateException("too many positions");
            int n = (int) Math.min(Integer.MAX_VALUE - 8L, 2L * count);
            klds = Arrays.copyOf(klds, n);
            pDiffs = Arrays.copyOf(pDiffs, n);
        }
        klds[(int) count] = d.kld();
        pDiffs[(int) count] = d.pDiff();
        count++;
    }

    public long count() {
        return count;
    }

    /** A value with its standard uncertainty. */
    public record Estimate(double value, double uncertainty) {
    }

    /**
     * Everything llama-perplexity prints in its "Perplexity", "KL divergence" and "Token probability"
     * statistics, under the same names. Percentile maps are keyed by llama.cpp's labels ("Maximum",
     * "99.9%", ..., "Median", ..., "Minimum"), in its order.
     */
    public record Summary(long count, Estimate pplModel, Estimate pplBase, double lnPplCorrelation,
                          Estimate lnPplRatio, Estimate pplRatio, Estimate pplDiff,
                          Estimate kld, Map<String, Double> kldPercentiles,
                          Estimate deltaP, Map<String, Double> deltaPPercentiles,
                          Estimate rmsDeltaP, Estimate sameTop) {
    }

    public Summary summary() {
        if (count == 0) throw new IllegalStateException("no positions");
        Estimate logPpl = meanAndUncertainty(sumNll, sumNll2, count);
        Estimate logPplBase = meanAndUncertainty(sumNllBase, sumNllBase2, count);
        double pplValue = Math.exp(logPpl.value()), pplUnc = pplValue * logPpl.uncertainty();
        double baseValue = Math.exp(logPplBase.value()), baseUnc = baseValue * logPplBase.uncertainty();
        double cov = covariance(sumNll, sumNllBase, sumNllNllBase, count);
        double cor = cov / (logPpl.uncertainty() * logPplBase.uncertainty());
        double ratio = logPpl.value() - logPplBase.value();
        double ratioUnc = Math.sqrt(Math.max(0, sq(logPpl.uncertainty()) + sq(logPplBase.uncertainty()) - 2 * cov));
        double pplCov = pplValue * baseValue * cov;
        double diffUnc = Math.sqrt(Math.max(0, sq(pplUnc) + sq(baseUnc) - 2 * pplCov));

        double[] k = Arrays.copyOf(klds, (int) count), p = Arrays.copyOf(pDiffs, (int) count);
        Arrays.sort(k);
        Arrays.sort(p);
        Map<String, Double> kq = new LinkedHashMap<>();
        kq.put("Maximum", k[k.length - 1]);
        for (double f : new double[]{0.999, 0.99, 0.95, 0.90}) kq.put(label(f), percentile(k, f));
        kq.put("Median", median(k));
        for (double f : new double[]{0.10, 0.05, 0.01, 0.001}) kq.put(label(f), percentile(k, f));
        kq.put("Minimum", k[0]);
        Map<String, Double> pq = new LinkedHashMap<>();
        pq.put("Maximum", p[p.length - 1]);
        for (double f : new double[]{0.999, 0.99, 0.95, 0.90, 0.75}) pq.put(label(f), percentile(p, f));
        pq.put("Median", median(p));
        for (double f : new double[]{0.25, 0.10, 0.05, 0.01, 0.001}) pq.put(label(f), percentile(p, f));
        pq.put("Minimum", p[0]);

        Estimate mse = meanAndUncertainty(sumPDiff2, sumPDiff4, count);
        double rms = Math.sqrt(mse.value());
        double same = (double) sameTop / count;
        return new Summary(count, new Estimate(pplValue, pplUnc), new Estimate(baseValue, baseUnc), cor,
                new Estimate(ratio, ratioUnc), new Estimate(Math.exp(ratio), Math.exp(ratio) * ratioUnc),
                new Estimate(pplValue - baseValue, diffUnc),
                meanAndUncertainty(sumKld, sumKld2, count), kq,
                meanAndUncertainty(sumPDiff, sumPDiff2, count), pq,
                new Estimate(rms, rms == 0 ? 0 : 0.5 / rms * mse.uncertainty()),
                new Estimate(same, count > 1 ? Math.sqrt(same * (1 - same) / (count - 1)) : 0));
    }

    /** llama.cpp's mean_and_uncertainty: the mean and sqrt(variance / (n - 1)), 0 for n <= 10. */
    static Estimate meanAndUncertainty(double sum, double sum2, long n) {
        if (n < 1) return new Estimate(0, 0);
        double f = sum / n;
        double df = sum2 / n - f * f;
        df = df > 0 && n > 10 ? Math.sqrt(df / (n - 1)) : 0;
        return new Estimate(f, df);
    }

    /** llama.cpp's covariance of the two mean log-perplexities (0 for n < 10). */
    static double covariance(double sumA, double sumB, double sumAB, long n) {
        if (n < 10) return 0;
        double var = sumAB / n - (sumA / n) * (sumB / n);
        return var / (n - 1);
    }

    /** llama.cpp's percentile: linear interpolation at fraction * (n - 1) of the sorted values. */
    static double percentile(double[] sorted, double fraction) {
        if (fraction <= 0) return sorted[0];
        if (fraction >= 1) return sorted[sorted.length - 1];
        double p = fraction * (sorted.length - 1);
        int ip = (int) p;
        p -= ip;
        return (1 - p) * sorted[ip] + p * sorted[Math.min(ip + 1, sorted.length - 1)];
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 0 ? 0.5 * (sorted[n / 2] + sorted[n / 2 - 1]) : sorted[n / 2];
    }

    private static String label(double f) {
        return String.format(java.util.Locale.ROOT, "%.1f%%", 100 * f);
    }

    private static double sq(double x) {
        return x * x;
    }
}
