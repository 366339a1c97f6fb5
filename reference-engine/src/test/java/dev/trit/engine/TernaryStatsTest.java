package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's ternary matrices against oracle/demo-ternary-stats.json (shares of -1/0/+1, mean|W|). */
class TernaryStatsTest {
    private static final String[] NAMES = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    private static List<Matrix> matrices(DecoderLayer d) {
        return java.util.stream.Stream.of(d.q(), d.k(), d.v(), d.o(), d.gate(), d.up(), d.down()).map(Linear::weight).toList();
    }

    /** The packed checkpoint holds exactly the trits the statistics were taken of. */
    @Test
    void packedTritSharesMatchExactly() throws IOException {
        JsonNode stats = Fixtures.json("oracle/demo-ternary-stats.json");
        Transformer m = Fixtures.load("demo-bitnet-packed", new ScalarKernels());
        for (int l = 0; l < m.config().layers(); l++) {
            List<Matrix> ms = matrices(m.layers().get(l));
            for (int i = 0; i < NAMES.length; i++) {
                TernaryMatrix t = (TernaryMatrix) ms.get(i);
                JsonNode s = stats.get("model.layers." + l + "." + NAMES[i] + ".weight");
                long[] n = t.tritCounts();
                double total = (double) t.rows() * t.cols();
                // the shares were computed in float32 (relative error 6e-8); a quarter of one count
                // (>= 1.2e-6 here) still tells every count apart, so this asserts equal counts
                double tol = 0.25 / total;
                assertEquals(s.get("neg").asDouble(), n[0] / total, tol, "neg share " + s);
                assertEquals(s.get("zero").asDouble(), n[1] / total, tol, "zero share " + s);
                assertEquals(s.get("pos").asDouble(), n[2] / total, tol, "pos share " + s);
                // weight_scale is bf16(1/mean|W|), so the trits' multiplier is mean|W| within bf16 rounding
                assertEquals(s.get("mean_abs").asDouble(), t.scale(), s.get("mean_abs").asDouble() / 256, "scale " + s);
            }
        }
    }

    /**
     * The bf16 master checkpoint ternarized at load: the statistics were taken of the fp32 master, of which
     * the bf16 file is a rounding, so a few weights at the rounding threshold may land on the other side.
     * Bounds: mean|W| within 1e-4 relative (bf16 rounding is unbiased, averaged over 32k+ weights), and at
     * least 99.5% of trits equal to the packed checkpoint's (measured: at worst 306 of 196,608 differ).
     */
    @Test
    void onlineTernarizationOfBf16MasterAgreesWithPacked() throws IOException {
        JsonNode stats = Fixtures.json("oracle/demo-ternary-stats.json");
        Transformer latent = Fixtures.load("demo-bitnet-bf16", new ScalarKernels());
        Transformer packed = Fixtures.load("demo-bitnet-packed", new ScalarKernels());
        for (int l = 0; l < latent.config().layers(); l++) {
            List<Matrix> a = matrices(latent.layers().get(l)), b = matrices(packed.layers().get(l));
            for (int i = 0; i < NAMES.length; i++) {
                TernaryMatrix x = (TernaryMatrix) a.get(i), y = (TernaryMatrix) b.get(i);
                double meanAbs = stats.get("model.layers." + l + "." + NAMES[i] + ".weight").get("mean_abs").asDouble();
                assertEquals(meanAbs, x.scale(), meanAbs * 1e-4, NAMES[i] + " layer " + l);
                long differ = 0;
                for (int r = 0; r < x.rows(); r++) {
                    for (int c = 0; c < x.cols(); c++) if (x.trit(r, c) != y.trit(r, c)) differ++;
                }
                assertTrue(differ <= 0.005 * x.rows() * x.cols(), NAMES[i] + " layer " + l + ": " + differ + " trits differ");
            }
        }
    }
}
