package dev.trit.engine.eval;

import dev.trit.engine.LogSoftmax;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.engine.HfModel;
import dev.trit.engine.Parallel;
import dev.trit.engine.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The engine adapter on the real mini-llama-f16 fixture. */
class TransformerLogitsTest {
    static Parallel parallel;
    static TransformerLogits model;

    @BeforeAll
    static void load() throws IOException {
        parallel = new Parallel(2);
        model = new TransformerLogits(HfModel.load(McDatasetTest.FIXTURES.resolve("hf/mini-llama-f16"), new VectorKernels(parallel)));
    }

    @AfterAll
    static void close() {
        parallel.close();
    }

    static int[] probeIds() throws IOException {
        JsonNode ids = new ObjectMapper().readTree(McDatasetTest.FIXTURES.resolve("oracle/mini-oracle.json").toFile()).get("probe").get("ids");
        int[] r = new int[ids.size()];
        for (int i = 0; i < r.length; i++) r[i] = ids.get(i).asInt();
        return r;
    }

    @Test
    void rowsAreTheTransformersOracle() throws IOException {
        JsonNode probe = new ObjectMapper().readTree(McDatasetTest.FIXTURES.resolve("oracle/mini-oracle.json").toFile())
                .get("models").get("mini-llama-f16").get("probe");
        float[][] rows = model.logits(probeIds());
        for (int i = 0; i < rows.length; i++) {
            assertEquals(probe.get("argmax_each_pos").get(i).asInt(), LogSoftmax.argmax(rows[i]), "position " + i);
            // 1e-3: transformers ran fp32 with the same f16 weights (OracleProbeTest's reasoning).
            assertEquals(probe.get("logsumexp_each_pos").get(i).asDouble(), LogSoftmax.logSumExp(rows[i]), 1e-3, "position " + i);
        }
    }

    @Test
    void branchingFromTheCacheMatchesSeparateRuns() throws IOException {
        int[] ids = probeIds();
        int[] prefix = Arrays.copyOf(ids, 9);
        int[][] suffixes = {Arrays.copyOfRange(ids, 9, ids.length), {4040, 528}, {865}};
        float[][][] cached = model.continuationLogits(prefix, suffixes);
        float[][][] separate = new LogitSource() {
            public int vocabSize() {
                return model.vocabSize();
            }

            public int maxTokens() {
                return model.maxTokens();
            }

            public float[][] logits(int[] tokens) {
                return model.logits(tokens);
            }
        }.continuationLogits(prefix, suffixes);
        for (int s = 0; s < suffixes.length; s++) {
            assertEquals(suffixes[s].length, cached[s].length);
            for (int j = 0; j < cached[s].length; j++) {
                // Same arithmetic in a different batch split; 1e-4 allows reordered float sums only.
                for (int v = 0; v < cached[s][j].length; v++) assertEquals(separate[s][j][v], cached[s][j][v], 1e-4);
            }
        }
    }

    @Test
    void selfComparisonOnTheRealModelIsExactlyZero() throws IOException {
        int[] tokens = new int[3 * 63];
        int[] ids = probeIds();
        for (int i = 0; i < tokens.length; i++) tokens[i] = ids[1 + i % (ids.length - 1)];
        List<EvalWindow> ws = EvalWindow.cut(tokens, 64, 1, EvalWindow.Protocol.HF, 0);
        LogitsDump base = LogitsRun.dump(model, ws, 32, Map.of(), null);
        KldStats.Summary s = LogitsRun.compare(model, ws, base, null).summary();
        assertEquals(0.0, s.kldPercentiles().get("Maximum"));
        assertEquals(1.0, s.sameTop().value());
        assertEquals(0.0, s.pplDiff().value());
    }
}
