package dev.trit.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Arithmetic energy of one token, the way the BitNet papers estimate it: count the additions and
 * multiplications by operand precision and price each with a per-operation energy.
 *
 * <p>Energies (pJ per operation), as tabulated in BitNet (Wang et al., arXiv 2310.11453, Table 2) and
 * used by BitNet b1.58 (Ma et al., arXiv 2402.17764, §3 "Energy", citing the same energy model
 * [Horowitz, "Computing's energy problem", ISSCC 2014] for 45 nm and [Zhang et al., PokeBNN, CVPR 2022]
 * for 7 nm):
 * <pre>
 *            ADD 45nm  ADD 7nm   MUL 45nm  MUL 7nm
 *   FP16     0.40      0.16      1.10      0.34
 *   INT8     0.03      0.007     0.20      0.07
 * </pre>
 * Cross-check: a weight of an FP16 matmul costs one FP16 MUL and one FP16 ADD, a ternary weight one
 * INT8 ADD, so at 7 nm (0.34 + 0.16) / 0.007 = 71.4, the b1.58 paper's "71.4 times" for matrix
 * multiplication arithmetic; {@link #MATMUL_RATIO_CLAIM_7NM}. (The 45 nm Horowitz numbers were checked
 * against other public copies of his table; the 7 nm FP16 pair is the one that reproduces 71.4.)
 *
 * <p>What is counted, per token at context position {@code context} (decode with a KV cache):
 * <ul>
 *   <li>linear layers (q, k, v, o, gate, up, down): FP16 model: one FP16 MUL + ADD per weight;
 *       ternary (BitLinear): one INT8 ADD per weight, plus per output one FP16 MUL (the rescale by
 *       weight and activation scales) and per input one FP16 MUL and one FP16 ADD-class compare (the
 *       absmax int8 quantization of the activations);</li>
 *   <li>attention scores and weighted values: FP16 MUL + ADD per element, 2 · heads · context · headDim;
 *       softmax one MUL + ADD per score (exp is not priced separately);</li>
 *   <li>RMSNorms (2 per block + final, plus BitNet's 2 sub-norms): 3 MUL + 1 ADD per element; RoPE 2 MUL
 *       + 1 ADD per q/k element; FFN activation and gate 2 MUL per intermediate element; 2 residual ADDs
 *       per hidden element;</li>
 *   <li>lm_head: FP16 in both (BitNet keeps embeddings and the output layer in full precision).</li>
 * </ul>
 * Memory traffic is not priced (the papers' arithmetic-energy figures leave it out too).
 */
public final class EnergyModel {
    private EnergyModel() {
    }

    /** The b1.58 paper's claim for matmul arithmetic energy at 7 nm, FP16 / ternary. */
    public static final double MATMUL_RATIO_CLAIM_7NM = 71.4;

    /** Per-operation energies of one process node, pJ. */
    public enum Node {
        NM45("45nm", 0.40, 1.10, 0.03, 0.20),
        NM7("7nm", 0.16, 0.34, 0.007, 0.07);

        public final String label;
        public final double fp16Add, fp16Mul, int8Add, int8Mul;

        Node(String label, double fp16Add, double fp16Mul, double int8Add, double int8Mul) {
            this.label = label;
            this.fp16Add = fp16Add;
            this.fp16Mul = fp16Mul;
            this.int8Add = int8Add;
            this.int8Mul = int8Mul;
        }

        public String task() {
            return "energy-" + label;
        }
    }

    /** Operation counts of one part of the computation. */
    public record Ops(double int8Add, double fp16Add, double fp16Mul) {
        public Ops plus(Ops o) {
            return new Ops(int8Add + o.int8Add, fp16Add + o.fp16Add, fp16Mul + o.fp16Mul);
        }

        public Ops times(double k) {
            return new Ops(int8Add * k, fp16Add * k, fp16Mul * k);
        }

        public double picojoules(Node n) {
            return int8Add * n.int8Add + fp16Add * n.fp16Add + fp16Mul * n.fp16Mul;
        }
    }

    /** Counts of one token through one block and through the whole model. */
    public record Count(Ops layerMatmul, Ops layerOther, Ops head, int layers) {
        public Ops layer() {
            return layerMatmul.plus(layerOther);
        }

        public Ops matmul() {
            return layerMatmul.times(layers);
        }

        public Ops total() {
            return layer().times(layers).plus(head);
        }
    }

    /** Linear-layer weight count of one block: q, k, v, o and gated FFN. */
    public static long linearWeightsPerLayer(ModelShape s) {
        long q = (long) s.hidden() * s.heads() * s.headDim();
        long kv = 2L * s.hidden() * s.kvHeads() * s.headDim();
        long o = (long) s.heads() * s.headDim() * s.hidden();
        long ffn = 3L * s.hidden() * s.intermediate();
        return q + kv + o + ffn;
    }

    public static Count count(ModelShape s, int context, boolean ternary) {
        long w = linearWeightsPerLayer(s);
        long qDim = (long) s.heads() * s.headDim(), kvDim = (long) s.kvHeads() * s.headDim();
        // Outputs and inputs of the 7 linear layers of a block.
        long outputs = qDim + 2 * kvDim + s.hidden() + 2L * s.intermediate() + s.hidden();
        long inputs = 3L * s.hidden() + qDim + 2L * s.hidden() + s.intermediate();
        Ops matmul = ternary
                ? new Ops(w, inputs, outputs + inputs)
                : new Ops(0, w, w);
        double scores = (double) s.heads() * context * s.headDim();
        Ops attention = new Ops(0, 2 * scores + (double) s.heads() * context, 2 * scores + (double) s.heads() * context);
        int norms = ternary ? 4 : 2;
        double normElems = norms == 4 ? 2.0 * s.hidden() + qDim + s.intermediate() : 2.0 * s.hidden();
        Ops elementwise = new Ops(0, normElems + (qDim + kvDim) + 2.0 * s.hidden(),
                3 * normElems + 2.0 * (qDim + kvDim) + 2.0 * s.intermediate());
        Ops head = new Ops(0, (double) s.hidden() * s.vocab() + s.hidden(), (double) s.hidden() * s.vocab() + 3.0 * s.hidden());
        return new Count(matmul, attention.plus(elementwise), head, s.layers());
    }

    /**
     * Rows for one model: for each node, variants "fp16" (the same shape as an FP16 model) and
     * "ternary" (BitLinear), whole-token and matmul-only energy, op counts, per-layer energy (scope
     * "layer.N"), and the FP16/ternary ratios next to the paper's claim (variant "paper-claim").
     */
    public static List<ResultRow> rows(String model, ModelShape s, int context) {
        List<ResultRow> rows = new ArrayList<>();
        Count fp = count(s, context, false), tern = count(s, context, true);
        for (Node n : Node.values()) {
            String task = n.task();
            for (var v : new Object[][]{{"fp16", fp}, {"ternary", tern}}) {
                String variant = (String) v[0];
                Count c = (Count) v[1];
                rows.add(ResultRow.of(model, variant, task, "", Metrics.ENERGY_PJ_PER_TOKEN, c.total().picojoules(n)));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.MATMUL_ENERGY_PJ_PER_TOKEN, c.matmul().picojoules(n)));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.OPS_INT8_ADD, c.total().int8Add()));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.OPS_FP16_ADD, c.total().fp16Add()));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.OPS_FP16_MUL, c.total().fp16Mul()));
                for (int l = 0; l < s.layers(); l++) {
                    rows.add(ResultRow.of(model, variant, task, "layer." + l, Metrics.ENERGY_PJ_PER_TOKEN, c.layer().picojoules(n)));
                }
                rows.add(ResultRow.of(model, variant, task, "lm_head", Metrics.ENERGY_PJ_PER_TOKEN, c.head().picojoules(n)));
            }
            rows.add(ResultRow.of(model, "fp16/ternary", task, "", Metrics.ENERGY_RATIO_FP16_TERNARY,
                    fp.total().picojoules(n) / tern.total().picojoules(n)));
            rows.add(ResultRow.of(model, "fp16/ternary", task, "", Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY,
                    fp.matmul().picojoules(n) / tern.matmul().picojoules(n)));
            // Per weight only (no rescale or activation quantization): the paper's own accounting.
            rows.add(ResultRow.of(model, "fp16/ternary per weight", task, "", Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY,
                    (n.fp16Mul + n.fp16Add) / n.int8Add));
        }
        rows.add(ResultRow.of(model, "paper-claim", Node.NM7.task(), "", Metrics.MATMUL_ENERGY_RATIO_FP16_TERNARY, MATMUL_RATIO_CLAIM_7NM));
        return rows;
    }
}
