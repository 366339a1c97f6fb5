package dev.trit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trit.analysis.Metrics;
import dev.trit.analysis.ResultRow;
import dev.trit.engine.eval.Accuracy;
import dev.trit.engine.eval.ChoiceScore;
import dev.trit.engine.eval.ItemScore;
import dev.trit.engine.eval.KlDivergence;
import dev.trit.engine.eval.KldStats;
import dev.trit.engine.eval.McMethod;
import dev.trit.engine.eval.McResult;
import dev.trit.engine.eval.McTask;
import dev.trit.engine.eval.TopLogprobs;
import dev.trit.formats.FormatException;
import dev.trit.formats.OutputFiles;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * One unit of an evaluation plan: a model (or built variant) on one task, or its weights. A unit's
 * items (text windows, multiple-choice items; one item for weights) are measured independently and
 * journaled one record each ({@link EvalJournal}); its result rows are computed from the records of
 * all its items in item order, so the numbers do not depend on how the items were split between
 * runs, shards or restarts: sums run in a fixed order over per-item values, never over running totals.
 *
 * <p>Item payloads: weights: the rows. ppl: per scored position the NLL (double); the top-k
 * distribution where later units compare with this one; per reference, per position KLD, NLL, base
 * NLL, Δp and same-top. mc: the item's id, gold and per choice the log-likelihood, tokens, greedy flag
 * and characters. wikitext (protocol lm-eval-wikitext): one rolling window of a document (or an empty
 * document's placeholder): the document's index, words and bytes, and per predicted token the NLL.
 *
 * @param ordinal   position in the plan's unit order (references come before the units using them)
 * @param kind      "weights", "ppl", "mc" or "wikitext"
 * @param items     items of the whole unit (all shards)
 * @param topK      ppl: keep this many of each position's distribution (0: none; this unit is no reference)
 * @param refs      ppl: the units compared with, and the task their KLD rows get
 * @param mcTask    mc: the task id
 * @param mcMethod  mc: harness or llama-cpp
 */
record EvalUnit(String id, int ordinal, String model, String variant, String task, String kind, int items, int topK,
                List<Ref> refs, String mcTask, String mcMethod) {

    record Ref(String unit, String rowTask) {
    }

    static final String WEIGHTS = "weights", PPL = "ppl", MC = "mc", WIKITEXT = "wikitext";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A file-system safe id: model/variant@task. */
    static String idOf(String label, String task) {
        return (label + "@" + task).replaceAll("[^A-Za-z0-9._@-]", "_");
    }

    EvalUnit withItems(int n) {
        return new EvalUnit(id, ordinal, model, variant, task, kind, n, topK, refs, mcTask, mcMethod);
    }

    /** Whether item {@code j} belongs to shard {@code i} of {@code n}: windows and items i, i+n, ...; a one-item unit by its ordinal. */
    boolean inShard(int j, int i, int n) {
        return kind.equals(WEIGHTS) ? ordinal % n == i : j % n == i;
    }

    String json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id).put("ordinal", ordinal).put("model", model).put("variant", variant).put("task", task).put("kind", kind)
                .put("items", items).put("top_k", topK).put("mc_task", mcTask).put("mc_method", mcMethod);
        ArrayNode a = o.putArray("refs");
        for (Ref r : refs) a.addObject().put("unit", r.unit).put("row_task", r.rowTask);
        return o.toString();
    }

    static EvalUnit fromJson(Path file) throws IOException {
        JsonNode o = JSON.readTree(file.toFile());
        List<Ref> refs = new ArrayList<>();
        for (JsonNode r : o.get("refs")) refs.add(new Ref(r.get("unit").asText(), r.get("row_task").asText()));
        return new EvalUnit(o.get("id").asText(), o.get("ordinal").asInt(), o.get("model").asText(), o.get("variant").asText(),
                o.get("task").asText(), o.get("kind").asText(), o.get("items").asInt(), o.get("top_k").asInt(), List.copyOf(refs),
                o.get("mc_task").asText(), o.get("mc_method").asText());
    }

    void writeSpec(Path file) throws IOException {
        Path tmp = OutputFiles.tempFileBeside(file);
        Files.writeString(tmp, json() + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- payloads

    static byte[] weightsPayload(List<ResultRow> rows) {
        return bytes(d -> {
            d.writeInt(rows.size());
            for (ResultRow r : rows) {
                d.writeUTF(r.task());
                d.writeUTF(r.scope());
                d.writeUTF(r.metric());
                d.writeUTF(r.unit());
                d.writeDouble(r.value());
            }
        });
    }

    /** A text window: per position NLL; top-k (or null); per reference its per-position comparisons. */
    static byte[] pplPayload(double[] nll, TopLogprobs[] top, List<KlDivergence[]> vsRefs) {
        return bytes(d -> {
            d.writeInt(nll.length);
            for (double v : nll) d.writeDouble(v);
            d.writeBoolean(top != null);
            if (top != null) {
                for (TopLogprobs t : top) {
                    d.writeInt(t.token());
                    d.writeFloat(t.tokenLogprob());
                    d.writeInt(t.ids().length);
                    for (int k = 0; k < t.ids().length; k++) {
                        d.writeInt(t.ids()[k]);
                        d.writeFloat(t.logprobs()[k]);
                    }
                    d.writeFloat(t.restLogprob());
                }
            }
            d.writeInt(vsRefs.size());
            for (KlDivergence[] ks : vsRefs) {
                for (KlDivergence k : ks) {
                    d.writeDouble(k.kld());
                    d.writeDouble(k.nll());
                    d.writeDouble(k.nllBase());
                    d.writeDouble(k.pDiff());
                    d.writeBoolean(k.sameTop());
                }
            }
        });
    }

    record PplItem(double[] nll, TopLogprobs[] top, List<KlDivergence[]> vsRefs) {
    }

    static PplItem pplItem(byte[] payload) {
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(payload))) {
            int n = d.readInt();
            double[] nll = new double[n];
            for (int i = 0; i < n; i++) nll[i] = d.readDouble();
            TopLogprobs[] top = null;
            if (d.readBoolean()) {
                top = new TopLogprobs[n];
                for (int i = 0; i < n; i++) {
                    int token = d.readInt();
                    float tlp = d.readFloat();
                    int k = d.readInt();
                    int[] ids = new int[k];
                    float[] lps = new float[k];
                    for (int j = 0; j < k; j++) {
                        ids[j] = d.readInt();
                        lps[j] = d.readFloat();
                    }
                    top[i] = new TopLogprobs(token, tlp, ids, lps, d.readFloat());
                }
            }
            int refs = d.readInt();
            List<KlDivergence[]> vs = new ArrayList<>();
            for (int r = 0; r < refs; r++) {
                KlDivergence[] ks = new KlDivergence[n];
                for (int i = 0; i < n; i++) ks[i] = new KlDivergence(d.readDouble(), d.readDouble(), d.readDouble(), d.readDouble(), d.readBoolean());
                vs.add(ks);
            }
            return new PplItem(nll, top, vs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] mcPayload(ItemScore s) {
        return bytes(d -> {
            d.writeUTF(s.id());
            d.writeInt(s.gold());
            d.writeInt(s.choices().size());
            for (ChoiceScore c : s.choices()) {
                d.writeDouble(c.logLikelihood());
                d.writeInt(c.tokens());
                d.writeBoolean(c.greedy());
                d.writeInt(c.chars());
            }
        });
    }

    static ItemScore mcItem(byte[] payload) {
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(payload))) {
            String id = d.readUTF();
            int gold = d.readInt(), n = d.readInt();
            List<ChoiceScore> cs = new ArrayList<>();
            for (int i = 0; i < n; i++) cs.add(new ChoiceScore(d.readDouble(), d.readInt(), d.readBoolean(), d.readInt()));
            return new ItemScore(id, gold, cs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A rolling window of document {@code doc} (words and bytes as the harness counts the page) and its tokens' NLL. */
    static byte[] wikitextPayload(int doc, int words, long bytes, double[] nll) {
        return bytes(d -> {
            d.writeInt(doc);
            d.writeInt(words);
            d.writeLong(bytes);
            d.writeInt(nll.length);
            for (double v : nll) d.writeDouble(v);
        });
    }

    record WikitextItem(int doc, int words, long bytes, double[] nll) {
    }

    static WikitextItem wikitextItem(byte[] payload) {
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(payload))) {
            int doc = d.readInt(), words = d.readInt();
            long bytes = d.readLong();
            double[] nll = new double[d.readInt()];
            for (int i = 0; i < nll.length; i++) nll[i] = d.readDouble();
            return new WikitextItem(doc, words, bytes, nll);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- rows

    /**
     * The unit's result rows from the records of all its items (in item order). Fails if an item is
     * missing. Besides the metrics, a row "items" with the unit's item count (scope "unit").
     */
    List<ResultRow> rows(SortedMap<Integer, byte[]> records, Path where) throws FormatException {
        for (int j = 0; j < items; j++) {
            if (!records.containsKey(j)) throw new FormatException(where, "unit " + id + " lacks item " + j + " of " + items);
        }
        List<ResultRow> rows = new ArrayList<>();
        switch (kind) {
            case WEIGHTS -> {
                try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(records.get(0)))) {
                    int n = d.readInt();
                    for (int i = 0; i < n; i++) {
                        String t = d.readUTF(), scope = d.readUTF(), metric = d.readUTF(), unit = d.readUTF();
                        rows.add(new ResultRow(model, variant, t, scope, metric, d.readDouble(), unit));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            case PPL -> {
                double nllSum = 0;
                long tokens = 0;
                List<KldStats> stats = new ArrayList<>();
                for (int r = 0; r < refs.size(); r++) stats.add(new KldStats());
                for (int j = 0; j < items; j++) {
                    PplItem it = pplItem(records.get(j));
                    for (double v : it.nll()) {
                        nllSum += v;
                        tokens++;
                    }
                    for (int r = 0; r < refs.size(); r++) for (KlDivergence k : it.vsRefs().get(r)) stats.get(r).add(k);
                }
                rows.add(ResultRow.of(model, variant, task, "", Metrics.PERPLEXITY, Math.exp(nllSum / tokens)));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.NLL_MEAN, nllSum / tokens));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.TOKENS, tokens));
                for (int r = 0; r < refs.size(); r++) {
                    KldStats.Summary s = stats.get(r).summary();
                    String t = refs.get(r).rowTask();
                    rows.add(ResultRow.of(model, variant, t, "", Metrics.KLD_MEAN, s.kld().value()));
                    rows.add(ResultRow.of(model, variant, t, "", Metrics.KLD_P99, s.kldPercentiles().get("99.0%")));
                    rows.add(ResultRow.of(model, variant, t, "", Metrics.TOP1_AGREEMENT, s.sameTop().value()));
                    rows.add(ResultRow.of(model, variant, t, "", Metrics.DELTA_PPL, s.pplDiff().value()));
                }
            }
            case WIKITEXT -> {
                // summed as WikitextTask sums them: per document in token order, then over documents
                double nllSum = 0, docSum = 0;
                long words = 0, bytes = 0, tokens = 0;
                int doc = -1;
                for (int j = 0; j < items; j++) {
                    WikitextItem it = wikitextItem(records.get(j));
                    if (it.doc() != doc) {
                        if (doc >= 0) nllSum += docSum;
                        docSum = 0;
                        doc = it.doc();
                        words += it.words();
                        bytes += it.bytes();
                    }
                    for (double v : it.nll()) docSum += v;
                    tokens += it.nll().length;
                }
                if (doc >= 0) nllSum += docSum;
                rows.add(ResultRow.of(model, variant, task, "", Metrics.WORD_PERPLEXITY, Math.exp(nllSum / words)));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.BYTE_PERPLEXITY, Math.exp(nllSum / bytes)));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.BITS_PER_BYTE, nllSum / (Math.log(2) * bytes)));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.NLL_MEAN, nllSum / tokens));
                rows.add(ResultRow.of(model, variant, task, "", Metrics.TOKENS, tokens));
            }
            case MC -> {
                List<ItemScore> scores = new ArrayList<>();
                for (int j = 0; j < items; j++) scores.add(mcItem(records.get(j)));
                McResult r = McResult.of(McTask.byId(mcTask), McMethod.valueOf(mcMethod), scores);
                for (Accuracy a : r.metrics()) {
                    rows.add(ResultRow.of(model, variant, task, "", a.metric(), a.value()));
                    rows.add(ResultRow.of(model, variant, task, "", a.metric() + "_stderr", a.stderr()));
                }
                rows.add(ResultRow.of(model, variant, task, "", Metrics.ITEMS, items));
            }
            default -> throw new FormatException(where, "unit " + id + " has an unknown kind " + kind);
        }
        rows.add(ResultRow.of(model, variant, task, SCOPE_UNIT, Metrics.ITEMS, items));
        return rows;
    }

    static final String SCOPE_UNIT = "unit";

    /** The reference distributions of a unit's journal, by window. */
    static Map<Integer, TopLogprobs[]> topK(SortedMap<Integer, byte[]> records) {
        Map<Integer, TopLogprobs[]> m = new java.util.HashMap<>();
        records.forEach((j, p) -> m.put(j, pplItem(p).top()));
        return m;
    }

    private interface Writer {
        void write(DataOutputStream d) throws IOException;
    }

    private static byte[] bytes(Writer w) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(b)) {
            w.write(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }
}
