package dev.trit.engine.eval;

import dev.trit.engine.eval.McDataset.McDoc;
import dev.trit.engine.eval.lmeval.PyRandom;

import java.util.ArrayList;
import java.util.List;

/**
 * lm-evaluation-harness's few-shot contexts for multiple-choice tasks ({@code --num_fewshot K}, the
 * default {@code ContextSampler}, {@code --fewshot_random_seed}, default 1234), as v0.4.x builds them
 * (lm_eval/api/samplers.py, lm_eval/api/task.py):
 *
 * <ul>
 * <li>The evaluator calls {@code task.set_fewshot_seed(seed)} once per task: the sampler gets one
 *     {@code random.Random(seed)} ({@link PyRandom}), shared by every document of the task.</li>
 * <li>{@code build_all_requests} walks the eval docs in order (the first {@code limit} of them) and
 *     builds each one's context once, so document i's examples are the i-th draw of that generator. With
 *     K = 0 nothing is drawn.</li>
 * <li>Each draw is {@code rnd.sample(fewshot_docs, n)} over the whole few-shot split in its dataset order,
 *     with n = K + 1 when the task's {@code fewshot_split == test_split} ({@link McTask#fewshotDrawsExtra()})
 *     and n = K otherwise. Docs equal to the eval doc are dropped and the first K kept, in sample order.</li>
 * <li>Each example is {@code doc_to_text + target_delimiter + choices[doc_to_target] + fewshot_delimiter}
 *     with the task's defaults {@code " "} and {@code "\n\n"}; winogrande (multiple inputs) uses the gold
 *     option's partial sentence as text and the sentence's rest as target. The eval doc's own context
 *     follows the last example; the continuations are unchanged.</li>
 * </ul>
 */
public final class McFewShot {
    public static final String TARGET_DELIMITER = " ";
    public static final String FEWSHOT_DELIMITER = "\n\n";

    /** An eval item with its few-shot context in front, and the indices in the few-shot split it used. */
    public record Shot(McItem item, int[] examples) {
    }

    private McFewShot() {
    }

    /**
     * The eval docs with their K-shot contexts, in order.
     *
     * @throws IllegalArgumentException when the few-shot split has fewer docs than one draw takes
     *                                  (Python's "Sample larger than population")
     */
    public static List<Shot> build(McTask task, List<McDoc> evalDocs, List<McDoc> fewshotDocs, int k, long seed) {
        if (k < 0) throw new IllegalArgumentException("number of few-shot examples must not be negative");
        List<Shot> out = new ArrayList<>(evalDocs.size());
        if (k == 0) {
            for (McDoc d : evalDocs) out.add(new Shot(d.item(), new int[0]));
            return out;
        }
        int draw = task.fewshotDrawsExtra() ? k + 1 : k;
        if (draw > fewshotDocs.size()) {
            throw new IllegalArgumentException(task.id() + ": " + k + "-shot draws " + draw + " examples at a time from the "
                    + task.fewshotSplit() + " split, which has only " + fewshotDocs.size() + " documents");
        }
        PyRandom rnd = new PyRandom(seed);
        for (McDoc doc : evalDocs) {
            int[] drawn = rnd.sampleIndices(fewshotDocs.size(), draw);
            int[] kept = new int[k];
            int n = 0;
            for (int j : drawn) {
                if (n == k) break;
                // the harness keeps x != doc only when it drew the extra one; otherwise it keeps all K
                if (task.fewshotDrawsExtra() && fewshotDocs.get(j).key().equals(doc.key())) continue;
                kept[n++] = j;
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < n; i++) prefix.append(example(fewshotDocs.get(kept[i]).item())).append(FEWSHOT_DELIMITER);
            out.add(new Shot(withPrefix(doc.item(), prefix.toString()), java.util.Arrays.copyOf(kept, n)));
        }
        return out;
    }

    /**
     * One labelled example without the delimiter after it: the gold choice's context and continuation,
     * i.e. {@code doc_to_text + " " + gold choice} (winogrande: the gold option's partial sentence, " ",
     * the rest of the sentence).
     */
    public static String example(McItem item) {
        McChoice gold = item.choices().get(item.gold());
        return gold.context() + gold.continuation();
    }

    /** The item with {@code prefix} in front of every choice's context. */
    public static McItem withPrefix(McItem item, String prefix) {
        if (prefix.isEmpty()) return item;
        List<McChoice> cs = new ArrayList<>(item.choices().size());
        for (McChoice c : item.choices()) cs.add(new McChoice(prefix + c.context(), c.continuation(), c.text()));
        return new McItem(item.id(), cs, item.gold());
    }
}
