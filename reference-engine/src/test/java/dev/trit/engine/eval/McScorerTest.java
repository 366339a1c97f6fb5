package dev.trit.engine.eval;

import dev.trit.engine.tokenizer.Tokenizer;
import dev.trit.engine.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class McScorerTest {
    static final double EPS = 1e-9; // double sums of a handful of terms
    // The hand bigram's boost ln 127 is a float (half an ulp, 2.4e-7, off): each token's log p is off by
    // at most that much, and at most 13 tokens are summed.
    static final double HAND_EPS = 13 * 2.4e-7;

    /**
     * Bigram model worked by hand (see the test below): row q puts half the mass on ' ', row ' '
     * half on 'x', row 'y' half on 'y'; every other entry has logit 0, so one boosted entry with
     * logit ln 127 among 128 gives p = 127/254 = 1/2 and p = 1/254 to each of the others.
     */
    static LogitSource handBigram() {
        float[][] t = new float[Fakes.VOCAB][Fakes.VOCAB];
        float boost = (float) Math.log(127);
        t['q'][' '] = boost;
        t[' ']['x'] = boost;
        t['y']['y'] = boost;
        return Fakes.bigram(t, 64);
    }

    static final String TWELVE_Y = "yyyyyyyyyyyy";

    static McItem handItem() {
        return McTask.item("hand", "q", List.of("x", TWELVE_Y), 1);
    }

    @Test
    void harnessSumsAndNormalisesByCharacters() {
        ItemScore s = new McScorer(handBigram(), Fakes.chars(), McMethod.HARNESS, false).score(handItem());
        // " x": p(' '|q) p(x|' ') = 1/2 * 1/2
        assertEquals(2 * Math.log(0.5), s.choices().get(0).logLikelihood(), HAND_EPS);
        // " y*12": p(' '|q) = 1/2, p(y|' ') = 1/254, then 11 times p(y|y) = 1/2
        assertEquals(12 * Math.log(0.5) + Math.log(1.0 / 254), s.choices().get(1).logLikelihood(), HAND_EPS);
        assertEquals(2, s.choices().get(0).tokens());
        assertEquals(13, s.choices().get(1).tokens());
        assertEquals(1, s.choices().get(0).chars());
        assertEquals(12, s.choices().get(1).chars());
        assertTrue(s.choices().get(0).greedy());
        assertFalse(s.choices().get(1).greedy());
        // acc picks " x" (-1.39 vs -13.86); acc_norm picks the y's (-13.86/12 = -1.15 > -1.39/1).
        assertEquals(0, s.pred());
        assertEquals(1, s.predNorm());
    }

    @Test
    void llamaCppAveragesTheTokensAfterTheCommonPrefix() {
        ItemScore s = new McScorer(handBigram(), Fakes.chars(), McMethod.LLAMA_CPP, false).score(handItem());
        // [BOS q ' '] is shared by both; only 'x' and the y's are scored.
        assertEquals(1, s.choices().get(0).tokens());
        assertEquals(12, s.choices().get(1).tokens());
        assertEquals(Math.log(0.5), s.choices().get(0).meanLogProb(), HAND_EPS);
        assertEquals((Math.log(1.0 / 254) + 11 * Math.log(0.5)) / 12, s.choices().get(1).meanLogProb(), HAND_EPS);
        assertEquals(0, s.predMeanToken());
    }

    /** Expected harness log-likelihood computed the long way: run the whole sequence, sum the tail. */
    static double bruteForce(LogitSource m, int[] seq, int start) {
        float[][] rows = m.logits(seq);
        double sum = 0;
        for (int j = start; j < seq.length; j++) sum += Fakes.logProb(rows[j - 1], seq[j]);
        return sum;
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void harnessMovesTrailingSpacesAndMatchesTheUnbatchedSum() {
        LogitSource m = Fakes.history(Fakes.VOCAB, 256);
        TextEncoder enc = Fakes.chars();
        McItem item = new McItem("t", List.of(new McChoice("Question: why?\nAnswer: ", "because", "because"),
                new McChoice("Question: why?\nAnswer: ", "no reason", "no reason")), 0);
        for (boolean bos : new boolean[]{false, true}) {
            ItemScore s = new McScorer(m, enc, McMethod.HARNESS, bos).score(item);
            for (int c = 0; c < 2; c++) {
                int[] ctx = enc.encode("Question: why?\nAnswer:", bos);
                int[] cont = enc.encode(" " + item.choices().get(c).continuation(), false);
                assertEquals(bruteForce(m, concat(ctx, cont), ctx.length), s.choices().get(c).logLikelihood(), EPS);
                assertEquals(cont.length, s.choices().get(c).tokens());
            }
        }
    }

    @Test
    void winograndeContextsDifferAndTheSharedContinuationIsScored() throws IOException {
        LogitSource m = Fakes.history(Fakes.VOCAB, 256);
        TextEncoder enc = Fakes.chars();
        McItem item = McDataset.read(McTask.WINOGRANDE, McDatasetTest.resource("handwritten-winogrande.jsonl"), McDataset.Options.harness(1)).getFirst();
        ItemScore s = new McScorer(m, enc, McMethod.HARNESS, false).score(item);
        for (int c = 0; c < 2; c++) {
            int[] ctx = enc.encode(item.choices().get(c).context(), false);
            int[] cont = enc.encode(" is too big.", false);
            assertEquals(bruteForce(m, concat(ctx, cont), ctx.length), s.choices().get(c).logLikelihood(), EPS);
        }
    }

    @Test
    void nothingSharedFallsBackToOneRunPerChoice() {
        LogitSource m = Fakes.history(Fakes.VOCAB, 256);
        TextEncoder enc = Fakes.chars();
        McItem item = new McItem("w", List.of(new McChoice("Ann", " went home.", "Ann"), new McChoice("Bob", " went home.", "Bob")), 1);
        ItemScore s = new McScorer(m, enc, McMethod.HARNESS, false).score(item);
        assertEquals(bruteForce(m, enc.encode("Bob went home.", false), 3), s.choices().get(1).logLikelihood(), EPS);
        assertThrows(IllegalArgumentException.class, () -> new McScorer(m, new NoBos(enc), McMethod.LLAMA_CPP, false).score(item));
    }

    @Test
    void longContextsAreLeftTruncatedLikeTheHarness() {
        LogitSource m = Fakes.history(Fakes.VOCAB, 16);
        TextEncoder enc = Fakes.chars();
        String ctx = "abcdefghijklmnopqrstuvwxyz";
        McItem item = McTask.item("long", ctx, List.of("one", "two"), 0);
        ItemScore s = new McScorer(m, enc, McMethod.HARNESS, false).score(item);
        int[] seq = enc.encode(ctx + " two", false);
        int[] kept = Arrays.copyOfRange(seq, seq.length - 17, seq.length); // max_length + 1 tokens, the last one only scored
        assertEquals(bruteForceNoLast(m, kept, 13), s.choices().get(1).logLikelihood(), EPS);
        assertThrows(IllegalArgumentException.class, () -> new McScorer(m, enc, McMethod.LLAMA_CPP, false).score(item));
    }

    /** As the harness: run all but the last token, score tokens start.. of seq. */
    static double bruteForceNoLast(LogitSource m, int[] seq, int start) {
        float[][] rows = m.logits(Arrays.copyOf(seq, seq.length - 1));
        double sum = 0;
        for (int j = start; j < seq.length; j++) sum += Fakes.logProb(rows[j - 1], seq[j]);
        return sum;
    }

    @Test
    void everyItemIsOneBatchedCallOverTheSharedContext() {
        Counting m = new Counting(Fakes.history(Fakes.VOCAB, 256));
        TextEncoder enc = Fakes.chars();
        List<McItem> items = List.of(McTask.item("a", "Question: first?\nAnswer:", List.of("yes", "no", "maybe"), 2),
                McTask.item("b", "Question: second?\nAnswer:", List.of("up", "down"), 0));
        McResult r = new McScorer(m, enc, McMethod.HARNESS, true).run(McTask.ARC_EASY, items, null);
        assertEquals(2, m.calls);
        assertEquals(0, m.plainCalls);
        assertEquals(List.of(enc.encode("Question: first?\nAnswer:", true).length, enc.encode("Question: second?\nAnswer:", true).length), m.prefixLengths);
        assertEquals(2, r.metric("acc").n());
    }

    @Test
    void realTokenizerSplitsLikeTheHarness() throws IOException {
        Tokenizer tok = Tokenizers.forModelDir(McDatasetTest.FIXTURES.resolve("hf/mini-llama-f16"));
        McScorer scorer = new McScorer(Fakes.history(tok.vocabSize(), 512), TextEncoder.of(tok), McMethod.HARNESS, false);
        int[][] pair = scorer.encodePair("Answer: the cat ", "sat down");
        // The trailing space moves to the continuation, which SentencePiece marks with its ▁ prefix.
        assertEquals("▁sat", tok.token(pair[1][0]));
        assertArrayEquals(tok.encode("Answer: the cat", false), pair[0]);
        int[] whole = tok.encode("Answer: the cat sat down", false);
        assertArrayEquals(Arrays.copyOfRange(whole, pair[0].length, whole.length), pair[1]);
    }

    @Test
    void accuracyAndStandardError() {
        // 3 of 4 right: sample sd of {1,1,1,0} = 0.5, / sqrt(4) = 0.25 = sqrt(0.75 * 0.25 / 3)
        Accuracy a = new Accuracy("acc", 3, 4);
        assertEquals(0.75, a.value(), 0);
        assertEquals(0.25, a.stderr(), 1e-15);
        assertTrue(Double.isNaN(new Accuracy("acc", 1, 1).stderr()));
    }

    @Test
    void resultCountsPredictionsPerMethod() {
        List<ItemScore> items = new ArrayList<>();
        // gold 1: sum prefers 0, per-char prefers 1, mean-token prefers 1
        items.add(new ItemScore("i", 1, List.of(new ChoiceScore(-2, 1, false, 1), new ChoiceScore(-3, 4, false, 10))));
        // gold 0: all prefer 0
        items.add(new ItemScore("j", 0, List.of(new ChoiceScore(-1, 1, true, 5), new ChoiceScore(-9, 1, false, 5))));
        McResult h = McResult.of(McTask.PIQA, McMethod.HARNESS, items);
        assertEquals(1, h.metric("acc").correct());
        assertEquals(2, h.metric("acc_norm").correct());
        assertEquals(2, McResult.of(McTask.PIQA, McMethod.LLAMA_CPP, items).metric("acc_llama_cpp").correct());
    }

    /** Counts calls; continuationLogits goes through the interface's default. */
    static final class Counting implements LogitSource {
        final LogitSource inner;
        int calls, plainCalls;
        final List<Integer> prefixLengths = new ArrayList<>();
        boolean inBatch;

        Counting(LogitSource inner) {
            this.inner = inner;
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public int maxTokens() {
            return inner.maxTokens();
        }

        @Override
        public float[][] logits(int[] tokens) {
            if (!inBatch) plainCalls++;
            return inner.logits(tokens);
        }

        @Override
        public float[][][] continuationLogits(int[] prefix, int[][] suffixes) {
            calls++;
            prefixLengths.add(prefix.length);
            inBatch = true;
            try {
                return LogitSource.super.continuationLogits(prefix, suffixes);
            } finally {
                inBatch = false;
            }
        }
    }

    /** An encoder that never adds BOS. */
    record NoBos(TextEncoder inner) implements TextEncoder {
        @Override
        public int[] encode(String text, boolean addSpecial) {
            return inner.encode(text, false);
        }

        @Override
        public java.util.OptionalInt bos() {
            return java.util.OptionalInt.empty();
        }

        @Override
        public java.util.OptionalInt eos() {
            return inner.eos();
        }
    }
}
