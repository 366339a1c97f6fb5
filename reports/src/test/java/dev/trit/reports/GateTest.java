package dev.trit.reports;

import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GateTest {
    static final List<GateRule> RULES = List.of(GateRule.parse("perplexity: rise <= 2%"), GateRule.parse("kld_mean: <= 0.05"),
            GateRule.parse("acc: drop <= 1 point"), GateRule.parse("size_bytes: rise <= 0%"));

    /** The synthetic table with one metric of one model changed. */
    static ResultTable with(String model, String variant, String metric, double value) {
        List<ResultRow> rows = new ArrayList<>();
        for (ResultRow r : SyntheticResults.table().rows()) {
            boolean hit = r.model().equals(model) && r.variant().equals(variant) && r.metric().equals(metric);
            rows.add(hit ? new ResultRow(r.model(), r.variant(), r.task(), r.scope(), r.metric(), value, r.unit()) : r);
        }
        return new ResultTable(rows);
    }

    static long failures(List<Gate.Outcome> o) {
        return o.stream().filter(x -> !x.check().pass()).count();
    }

    @Test
    void identicalResultsPass() throws Exception {
        List<Gate.Outcome> o = Gate.evaluate(RULES, SyntheticResults.table(), SyntheticResults.table());
        assertEquals(4 * 5, o.size(), "every rule for every one of the 5 model files");
        assertEquals(0, failures(o));
    }

    @Test
    void limitsAreInclusiveAndExclusiveWhereTheySay() throws Exception {
        ResultTable base = SyntheticResults.table();
        // 38.81 * 1.02 = 39.5862: at the limit passes, above fails.
        assertEquals(0, failures(Gate.evaluate(RULES, base, with("synthetic-bitnet", "tq2_0", Metrics.PERPLEXITY, 39.58))));
        assertEquals(1, failures(Gate.evaluate(RULES, base, with("synthetic-bitnet", "tq2_0", Metrics.PERPLEXITY, 39.60))));
        // acc is a fraction: 1 point = 0.01. Baseline acc of tq2_0 is 0.3097.
        assertEquals(0, failures(Gate.evaluate(RULES, base, with("synthetic-bitnet", "tq2_0", Metrics.ACC, 0.3000))));
        assertEquals(1, failures(Gate.evaluate(RULES, base, with("synthetic-bitnet", "tq2_0", Metrics.ACC, 0.2990))));
        // Any growth of size fails, shrinking passes.
        double size = base.where(r -> r.model().equals("synthetic-llama") && r.variant().equals("q8_0")
                && r.metric().equals(Metrics.SIZE_BYTES)).getFirst().value();
        assertEquals(1, failures(Gate.evaluate(RULES, base, with("synthetic-llama", "q8_0", Metrics.SIZE_BYTES, size + 1))));
        assertEquals(0, failures(Gate.evaluate(RULES, base, with("synthetic-llama", "q8_0", Metrics.SIZE_BYTES, size - 1))));
        // Absolute bound on the current value.
        assertEquals(1, failures(Gate.evaluate(RULES, base, with("synthetic-llama", "q8_0", Metrics.KLD_MEAN, 0.06))));
    }

    @Test
    void missingMetricOrRowIsBadInput() {
        ResultTable base = SyntheticResults.table();
        ResultTable noPpl = new ResultTable(base.where(r -> !r.metric().equals(Metrics.PERPLEXITY)));
        Gate.BadInput e = assertThrows(Gate.BadInput.class, () -> Gate.evaluate(RULES, base, noPpl));
        assertTrue(e.getMessage().contains("missing in the current results"), e.getMessage());
        assertTrue(e.getMessage().contains("perplexity"), e.getMessage());
        Gate.BadInput e2 = assertThrows(Gate.BadInput.class, () -> Gate.evaluate(List.of(GateRule.parse("nll_mean: rise <= 1%")), base, base));
        assertTrue(e2.getMessage().contains("not in the baseline"));
        ResultTable nan = with("synthetic-llama", "f16", Metrics.PERPLEXITY, Double.NaN);
        assertThrows(Gate.BadInput.class, () -> Gate.evaluate(RULES, base, nan));
    }

    @Test
    void rulesParse() {
        GateRule r = GateRule.parse("  acc_norm :  drop <= 0.5 points ");
        assertEquals("acc_norm", r.metric());
        assertEquals(GateRule.Kind.DROP, r.kind());
        assertEquals(GateRule.Unit.POINTS, r.unit());
        assertEquals(0.5, r.limit());
        assertEquals(GateRule.Kind.AT_LEAST, GateRule.parse("top1_agreement: >= 0.9").kind());
        for (String bad : new String[]{"perplexity rise <= 2%", "perplexity: rise >= 2%", "perplexity: rise <= two",
                "kld_mean: <= 5%", "perplexity: rise <= -1%", ""}) {
            assertThrows(IllegalArgumentException.class, () -> GateRule.parse(bad), bad);
        }
    }

    @Test
    void junitAndAnnotations() throws Exception {
        List<Gate.Outcome> o = Gate.evaluate(RULES, SyntheticResults.table(), with("synthetic-bitnet", "tq1_0", Metrics.PERPLEXITY, 50));
        String xml = Gate.junitXml(o);
        assertTrue(xml.contains("tests=\"20\" failures=\"1\""), xml);
        assertEquals(1, xml.split("<failure ", -1).length - 1);
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Gate.Outcome bad = o.stream().filter(x -> !x.check().pass()).findFirst().orElseThrow();
        String a = Gate.annotation(bad);
        assertTrue(a.startsWith("::error title=trit gate%3A perplexity::synthetic-bitnet/tq1_0"), a);
        assertTrue(a.contains("%25"), "percent signs escaped: " + a);
    }
}
