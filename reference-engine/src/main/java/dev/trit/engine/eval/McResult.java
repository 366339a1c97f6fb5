package dev.trit.engine.eval;

import java.util.ArrayList;
import java.util.List;

/** The outcome of a task: its metrics and the per-item scores they were counted from. */
public record McResult(McTask task, McMethod method, List<Accuracy> metrics, List<ItemScore> items) {
    public McResult {
        metrics = List.copyOf(metrics);
        items = List.copyOf(items);
    }

    /** acc and acc_norm (harness), or acc_llama_cpp, over the items. */
    public static McResult of(McTask task, McMethod method, List<ItemScore> items) {
        List<Accuracy> metrics = new ArrayList<>();
        int n = items.size();
        if (method == McMethod.HARNESS) {
            metrics.add(new Accuracy("acc", (int) items.stream().filter(i -> i.pred() == i.gold()).count(), n));
            metrics.add(new Accuracy("acc_norm", (int) items.stream().filter(i -> i.predNorm() == i.gold()).count(), n));
        } else {
            metrics.add(new Accuracy("acc_llama_cpp", (int) items.stream().filter(i -> i.predMeanToken() == i.gold()).count(), n));
        }
        return new McResult(task, method, metrics, items);
    }

    public Accuracy metric(String name) {
        for (Accuracy a : metrics) if (a.metric().equals(name)) return a;
        throw new IllegalArgumentException("no metric " + name);
    }
}
