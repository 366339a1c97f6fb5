package dev.trit.engine.eval.lmeval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every expected value below was printed by CPython 3.11.7's own {@code random} module, e.g.
 * {@code python3 -c 'import random; r=random.Random(1234); print(r.sample(range(100), 5), r.getrandbits(32))'}.
 */
class PyRandomTest {
    @Test
    void seedingFromIntsOfOneAndTwoWordsZeroAndNegative() {
        assertUint32s(new PyRandom(1234), 4150886329L, 3342196574L, 1892932127L, 501869158L, 32175636L);
        assertUint32s(new PyRandom(0), 3626764237L, 1654615998L, 3255389356L);
        assertUint32s(new PyRandom((1L << 40) + 5), 2166296868L, 2220160828L, 1153647273L);
        assertUint32s(new PyRandom(-7), 1390851128L, 4071050724L); // Python seeds with |n|
    }

    private static void assertUint32s(PyRandom r, long... expected) {
        for (long e : expected) assertEquals(e, Integer.toUnsignedLong(r.nextUint32()));
    }

    @Test
    void getrandbitsOfSeveralWidths() {
        // [r.getrandbits(k) for k in (1, 7, 31, 33, 64, 100)] on Random(1234)
        PyRandom r = new PyRandom(1234);
        assertEquals(1, r.getrandbits(1));
        assertEquals(99, r.getrandbits(7));
        assertEquals(946466063L, r.getrandbits(31));
        assertEquals(501869158L, r.getrandbits(33));
        assertEquals(new BigInteger("16804540376168033093"), r.getrandbitsBig(64));
        assertEquals(new BigInteger("776990780702432415618358179138"), r.getrandbitsBig(100));
    }

    @Test
    void randomAndRandbelow() {
        PyRandom r = new PyRandom(1234);
        assertEquals(0.9664535356921388, r.random());
        assertEquals(0.4407325991753527, r.random());
        // [r._randbelow(n) for n in (1, 2, 3, 5, 1000, 2**31 - 1)] on Random(99)
        PyRandom s = new PyRandom(99);
        long[] expected = {0, 1, 0, 4, 183, 494485440};
        long[] ns = {1, 2, 3, 5, 1000, (1L << 31) - 1};
        for (int i = 0; i < ns.length; i++) assertEquals(expected[i], s.randbelow(ns[i]), "n = " + ns[i]);
    }

    /** r = Random(1234); r.sample(range(n), k), then r.getrandbits(32) to pin how much was consumed. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            // pool-based (n <= setsize)
            "10;3;7 1 0;389311301",
            "21;5;14 3 0 2 1;2884343186",
            "21;21;14 3 0 2 1 17 16 12 5 19 18 10 9 13 7 4 11 6 8 15 20;3064073136",
            "22;6;14 3 0 2 1 18;422719469",
            "22;20;14 3 0 2 1 18 20 12 5 15 19 11 10 13 7 4 21 17 9 8;3064073136",
            "45;6;28 7 0 5 37 2;2884343186",
            "85;6;56 14 0 11 74 4;2884343186",
            "50;50;49 28 7 0 5 37 2 42 45 6 22 15 1 44 36 39 30 29 9 43 41 34 3 46 16 38 47 33 21 17 14 48 18 25 35 4 13 8 24 10 19 23 32 20 11 12 27 40 26 31;24825937",
            "1;1;0;501869158",
            // set-based (n > setsize), with re-draws of indices already taken
            "22;5;14 3 0 2 18;150006740",
            "86;6;56 14 0 11 74 4;2884343186",
            "100;5;99 56 14 0 11;3912611952",
            "400;22;398 225 59 3 46 298 17 343 354 42 50 392 181 121 8 15 177 331 319 247 315 237;638037343",
            "1838;3;1593 902 239;32175636",
            "1838;6;1593 902 239 15 185 1652;2500648409",
            "16113;26;15834 12749 7220 1914 122 1485 14925 15442 15388 13221 9539 572 11002 11355 1375 1612 12558 5810 3879 285 504 12923 259 5670 10622 10211;2079820365",
            "1000000000;4;835549143 473233031 125467289 8043909;389311301",
            "2147483647;3;2075443164 1671098287 946466063;501869158",
    })
    void sampleMatchesCPython(int n, int k, String expected, long next) {
        PyRandom r = new PyRandom(1234);
        int[] want = java.util.Arrays.stream(expected.split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(want, r.sampleIndices(n, k));
        assertEquals(next, r.getrandbits(32));
    }

    @Test
    void poolBasedSampleOfHundredFromThousand() {
        // r = Random(1234); r.sample(range(1000), 100)[:12], then r.getrandbits(32)
        PyRandom r = new PyRandom(1234);
        int[] got = r.sampleIndices(1000, 100);
        assertArrayEquals(new int[]{989, 796, 451, 119, 7, 92, 932, 965, 961, 826, 596, 35}, java.util.Arrays.copyOf(got, 12));
        assertEquals(426, got[99]);
        assertEquals(1188776900L, r.getrandbits(32));
    }

    @Test
    void successiveSamplesShareTheGenerator() {
        // r = Random(1234); [r.sample(range(40), 4) for _ in range(3)]
        PyRandom r = new PyRandom(1234);
        assertEquals(List.of(28, 7, 0, 5), r.sample(List.of(range(40)), 4));
        assertEquals(List.of(37, 2, 5, 6), r.sample(List.of(range(40)), 4));
        assertEquals(List.of(22, 15, 1, 39), r.sample(List.of(range(40)), 4));
    }

    private static Integer[] range(int n) {
        Integer[] a = new Integer[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    @Test
    void setSizeAndBounds() {
        assertEquals(21, PyRandom.setSize(5));
        assertEquals(21 + 64, PyRandom.setSize(6));   // 4 ** ceil(log(18, 4)) = 64
        assertEquals(21 + 64, PyRandom.setSize(21));  // log(63, 4) = 2.99
        assertEquals(21 + 256, PyRandom.setSize(22)); // log(66, 4) = 3.02
        assertThrows(IllegalArgumentException.class, () -> new PyRandom(1).sampleIndices(3, 4));
    }
}
