package dev.trit.engine.eval;

import java.util.OptionalInt;

/** Small deterministic models and encoders for the evaluation tests. */
final class Fakes {
    static final int VOCAB = 128, BOS = 1, EOS = 2;

    private Fakes() {
    }

    /** One token per ASCII character (its code), BOS = 1 in front with addSpecial. */
    static TextEncoder chars() {
        return new TextEncoder() {
            @Override
            public int[] encode(String text, boolean addSpecial) {
                int off = addSpecial ? 1 : 0;
                int[] ids = new int[text.length() + off];
                if (addSpecial) ids[0] = BOS;
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c >= VOCAB || c < 3) throw new IllegalArgumentException("not in the test vocabulary: " + (int) c);
                    ids[i + off] = c;
                }
                return ids;
            }

            @Override
            public OptionalInt bos() {
                return OptionalInt.of(BOS);
            }

            @Override
            public OptionalInt eos() {
                return OptionalInt.of(EOS);
            }
        };
    }

    /** Logits depend only on the previous token: row i = table[tokens[i]]. */
    static LogitSource bigram(float[][] table, int maxTokens) {
        return new LogitSource() {
            @Override
            public int vocabSize() {
                return table.length;
            }

            @Override
            public int maxTokens() {
                return maxTokens;
            }

            @Override
            public float[][] logits(int[] tokens) {
                if (tokens.length > maxTokens) throw new IllegalArgumentException("too long");
                float[][] out = new float[tokens.length][];
                for (int i = 0; i < tokens.length; i++) out[i] = table[tokens[i]].clone();
                return out;
            }
        };
    }

    /**
     * Logits depend on the whole history and the position, so any off-by-one in which row predicts
     * which token changes the numbers.
     */
    static LogitSource history(int vocab, int maxTokens) {
        return new LogitSource() {
            @Override
            public int vocabSize() {
                return vocab;
            }

            @Override
            public int maxTokens() {
                return maxTokens;
            }

            @Override
            public float[][] logits(int[] tokens) {
                if (tokens.length > maxTokens) throw new IllegalArgumentException("too long: " + tokens.length);
                float[][] out = new float[tokens.length][vocab];
                long h = 1469598103934665603L;
                for (int i = 0; i < tokens.length; i++) {
                    h = (h ^ tokens[i]) * 1099511628211L + i;
                    long x = h;
                    for (int v = 0; v < vocab; v++) {
                        x = x * 6364136223846793005L + 1442695040888963407L;
                        out[i][v] = (float) ((x >>> 40) / (double) (1L << 24) * 6.0 - 3.0);
                    }
                }
                return out;
            }
        };
    }

    /** log softmax(row)[tok], written out directly for the tests' own expectations. */
    static double logProb(float[] row, int tok) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        double s = 0;
        for (float v : row) s += Math.exp(v - max);
        return row[tok] - max - Math.log(s);
    }
}
