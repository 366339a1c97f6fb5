package dev.trit.engine.eval.lmeval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * CPython's {@code random.Random}, bit for bit, for the parts lm-evaluation-harness's few-shot sampler
 * uses: seeding from an integer, {@code getrandbits}, {@code _randbelow}, {@code random()} and
 * {@code sample}. Written from CPython's {@code Modules/_randommodule.c} and {@code Lib/random.py}
 * (unchanged in these respects from 3.2 to 3.13):
 *
 * <ul>
 * <li>The generator is MT19937 (Matsumoto and Nishimura). {@code Random(n)} for an int seeds with
 *     {@code init_by_array} on the 32-bit words of {@code |n|}, least significant first, at least one
 *     word (so {@code Random(0)} uses the key {@code [0]}).</li>
 * <li>{@code getrandbits(k)}, k &le; 32: the next 32-bit output shifted right by {@code 32 - k}. Larger k:
 *     32-bit words, least significant first, the last one shifted right to keep its top bits.</li>
 * <li>{@code _randbelow(n)}: {@code k = n.bit_length()}, draw {@code getrandbits(k)} until it is below n.</li>
 * <li>{@code sample(population, k)}: with {@code setsize = 21}, plus {@code 4 ** ceil(log(3k, 4))} when
 *     k &gt; 5, a population of at most setsize elements is drawn from a pool: the i-th pick is
 *     {@code j = _randbelow(n - i)}, and the pool's last still-unpicked element moves into slot j.
 *     A larger one draws {@code j = _randbelow(n)} again while j was already picked.</li>
 * </ul>
 */
public final class PyRandom {
    private static final int N = 624, M = 397;
    private static final int MATRIX_A = 0x9908b0df, UPPER_MASK = 0x80000000, LOWER_MASK = 0x7fffffff;

    private final int[] mt = new int[N];
    private int mti;

    /** {@code random.Random(seed)}. */
    public PyRandom(long seed) {
        this(BigInteger.valueOf(seed));
    }

    /** {@code random.Random(seed)} for any int. */
    public PyRandom(BigInteger seed) {
        BigInteger n = seed.abs();
        int bits = n.bitLength();
        int words = bits == 0 ? 1 : (bits - 1) / 32 + 1;
        int[] key = new int[words];
        for (int i = 0; i < words; i++) key[i] = n.shiftRight(32 * i).intValue();
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        mti = N;
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
    }

    /** The next 32-bit output of MT19937 (genrand_uint32), as an unsigned value in an int. */
    public int nextUint32() {
        if (mti >= N) {
            int kk = 0, y;
            for (; kk < N - M; kk++) {
                y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
            }
            for (; kk < N - 1; kk++) {
                y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
            }
            y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
            mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
            mti = 0;
        }
        int y = mt[mti++];
        y ^= (y >>> 11);
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= (y >>> 18);
        return y;
    }

    /** {@code getrandbits(k)} for 0 &le; k &le; 63 (Python 3.9+ accepts 0 and returns 0). */
    public long getrandbits(int k) {
        if (k < 0 || k > 63) throw new IllegalArgumentException("getrandbits: k = " + k + " outside 0..63");
        if (k == 0) return 0;
        if (k <= 32) return Integer.toUnsignedLong(nextUint32()) >>> (32 - k);
        return getrandbitsBig(k).longValueExact();
    }

    /** {@code getrandbits(k)} for any k &ge; 0. */
    public BigInteger getrandbitsBig(int k) {
        if (k < 0) throw new IllegalArgumentException("getrandbits: negative k");
        BigInteger r = BigInteger.ZERO;
        int shift = 0;
        for (int left = k; left > 0; left -= 32, shift += 32) {
            long w = Integer.toUnsignedLong(nextUint32());
            if (left < 32) w >>>= (32 - left);
            r = r.or(BigInteger.valueOf(w).shiftLeft(shift));
        }
        return r;
    }

    /** {@code random()}: 53 random bits in [0, 1) (genrand_res53). */
    public double random() {
        int a = nextUint32() >>> 5, b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** {@code _randbelow(n)} (via getrandbits), n &ge; 1. */
    public long randbelow(long n) {
        if (n <= 0) throw new IllegalArgumentException("randbelow: n = " + n);
        int k = 64 - Long.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return r;
    }

    /** The indices {@code sample(range(n), k)} returns, in order. */
    public int[] sampleIndices(int n, int k) {
        if (k < 0 || k > n) throw new IllegalArgumentException("Sample larger than population or is negative");
        int[] result = new int[k];
        if (n <= setSize(k)) {
            int[] pool = new int[n];
            for (int i = 0; i < n; i++) pool[i] = i;
            for (int i = 0; i < k; i++) {
                int j = (int) randbelow(n - i);
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        } else {
            Set<Integer> selected = new HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = (int) randbelow(n);
                while (selected.contains(j)) j = (int) randbelow(n);
                selected.add(j);
                result[i] = j;
            }
        }
        return result;
    }

    /** {@code sample(population, k)}. */
    public <T> List<T> sample(List<T> population, int k) {
        int[] idx = sampleIndices(population.size(), k);
        List<T> out = new ArrayList<>(k);
        for (int j : idx) out.add(population.get(j));
        return out;
    }

    /**
     * {@code 21 + (4 ** ceil(log(3k, 4)) if k > 5)}. Python takes the ceiling of a floating-point
     * logarithm; 3k is never a power of 4 (4^m is not a multiple of 3) and is at least 1/(4^m ln 4) away
     * from one in log terms, far above rounding error for any int k, so the smallest m with 4^m &gt; 3k
     * is the same number.
     */
    static long setSize(int k) {
        long size = 21;
        if (k > 5) {
            long p = 1;
            while (p < 3L * k) p *= 4;
            size += p;
        }
        return size;
    }
}
