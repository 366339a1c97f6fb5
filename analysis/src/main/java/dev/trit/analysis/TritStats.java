package dev.trit.analysis;

/** Counts of -1, 0 and +1 in a set of ternary weights, and what follows from them. */
public record TritStats(long neg, long zero, long pos) {
    public static TritStats of(byte[] trits) {
        long n = 0, z = 0, p = 0;
        for (byte t : trits) {
            if (t < 0) n++;
            else if (t == 0) z++;
            else p++;
        }
        return new TritStats(n, z, p);
    }

    public TritStats plus(TritStats o) {
        return new TritStats(neg + o.neg, zero + o.zero, pos + o.pos);
    }

    public long total() {
        return neg + zero + pos;
    }

    public double shareNeg() {
        return (double) neg / total();
    }

    public double shareZero() {
        return (double) zero / total();
    }

    public double sharePos() {
        return (double) pos / total();
    }

    /** Empirical (order-0) entropy in bits per weight: -sum p log2 p; at most log2(3) = 1.585. */
    public double entropyBits() {
        double h = 0;
        for (long c : new long[]{neg, zero, pos}) {
            if (c == 0) continue;
            double p = (double) c / total();
            h -= p * Math.log(p) / Math.log(2);
        }
        return h;
    }
}
