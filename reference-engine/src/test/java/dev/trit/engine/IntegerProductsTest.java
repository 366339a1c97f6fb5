package dev.trit.engine;

import dev.trit.engine.StoredMatrix.VecDot;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Under --activations llama-cpp, products of fewer than Transformer.INTEGER_PRODUCT_TOKENS tokens with Q6_K /
 * Q4_K weights run in integers (Q8KDots), larger batches multiply the same Q8_K-rounded activations in float;
 * the batched path is the one checked against llama.cpp's perplexity and KLD (e2e LlamaCppKldOracleTest).
 * Here every Q6_K and Q4_K matrix of llama-quantize's files must give the float path's products over the
 * same rounded activations, up to float rounding. (Whole decoded logits are no test of this: a 1e-7 change
 * upstream flips an int8 rounding of a later layer's input now and then, in llama.cpp as here.)
 */
class IntegerProductsTest {
    @ParameterizedTest
    @ValueSource(strings = {"mini-llama-Q6_K.gguf", "mini-llama-Q4_K_M.gguf"})
    void integerProductsEqualTheFloatProductOfTheRoundedActivations(String file) throws Exception {
        Path model = SharedFixtures.require("gguf-kquants/" + file);
        try (Parallel pool = new Parallel(2); LoadedModel m = LoadedModel.open(model, new VectorKernels(pool))) {
            Transformer t = m.transformer();
            List<StoredMatrix> ms = new ArrayList<>();
            if (t.lmHead() instanceof StoredMatrix s) ms.add(s);
            for (DecoderLayer l : t.layers()) {
                for (Linear lin : new Linear[] {l.q(), l.k(), l.v(), l.o(), l.gate(), l.up(), l.down()}) {
                    if (lin.weight() instanceof StoredMatrix s) ms.add(s);
                }
            }
            VectorKernels vk = new VectorKernels(pool);
            Random r = new Random(3);
            int checked = 0;
            java.util.Set<StoredMatrix.Encoding> seen = java.util.EnumSet.noneOf(StoredMatrix.Encoding.class);
            for (StoredMatrix s : ms) {
                if (!s.encoding().q8KDot()) continue;
                seen.add(s.encoding());
                int tokens = 3, cols = s.cols(), rows = s.rows();
                float[] x = new float[tokens * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 20 : 1)); // outliers, as real activations
                float[] rounded = new float[x.length], yFloat = new float[tokens * rows], yInt = new float[tokens * rows], yScalar = new float[tokens * rows];
                LlamaCppActivations.roundTrip(VecDot.Q8_K, x, tokens, cols, rounded);
                vk.matmul(s, rounded, tokens, yFloat);
                Q8KActivations q = Q8KActivations.quantizeInto(x, tokens, cols, null);
                vk.matmul(s, q, yInt);
                new ScalarKernels().matmul(s, q, yScalar);
                float[] w = new float[cols];
                for (int row = 0; row < rows; row++) {
                    s.decodeRow(row, w, 0);
                    for (int tk = 0; tk < tokens; tk++) {
                        double mag = 0;
                        for (int c = 0; c < cols; c++) mag += Math.abs(w[c] * rounded[tk * cols + c]);
                        int i = tk * rows + row;
                        // float32 sums of cols terms in two orders (and ggml's one float step per super-block):
                        // a few ulps of the sum of magnitudes; a wrong quant or scale moves it by 1e-3 of it and more
                        assertEquals(yFloat[i], yInt[i], 1e-5 * mag, file + " " + s.encoding() + " row " + row + " token " + tk);
                        assertEquals(yScalar[i], yInt[i], 0f);
                    }
                }
                checked++;
            }
            assertTrue(checked > 0 && seen.contains(StoredMatrix.Encoding.Q6_K), file + ": no Q6_K matrix found");
            if (file.contains("Q4_K")) assertTrue(seen.contains(StoredMatrix.Encoding.Q4_K), seen::toString);
        }
    }
}
