package dev.trit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.trit.converters.TargetType;
import dev.trit.engine.eval.EvalWindow;
import dev.trit.engine.eval.McMethod;
import dev.trit.engine.eval.McTask;
import dev.trit.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An evaluation plan ({@code trit eval PLAN.yaml|PLAN.json}): models, the variants to build from them,
 * tasks, the baseline and the report. Paths are relative to the plan file's folder.
 *
 * <pre>
 * models:
 *   - path: ../fixtures/hf/demo-llama-f16   # HF dir or .gguf
 *     name: demo-llama                      # default: the folder / file name
 *     variant: hf-f16                       # the label of the file as given (default "")
 *     variants: [quant:q8_0, ternarize:tq2_0]   # built into OUT/work with trit convert's code
 *     kld-vs-source: false                  # built variants also get KLD against this model
 * baseline: demo-llama/hf-f16               # model/variant every other model's KLD is measured against
 * tasks:
 *   - ppl: wikitext-2-test                  # the task name in the results
 *     text: ../fixtures/data/wikitext-2/test.txt
 *     protocol: hf                          # hf or llama-cpp (trit ppl's window protocols)
 *     ctx: 256
 *     max-windows: 8                        # 0: every window
 *     top-k: 32                             # kept of the references' distributions for KLD
 *   - ppl: wikitext-lm-eval
 *     text: ../fixtures/data/wikitext-2/test.txt
 *     protocol: lm-eval-wikitext            # lm-evaluation-harness's wikitext task (no KLD rows)
 *     ctx: 256                              # max length; default: the model's context
 *     max-docs: 1                           # 0: every document
 *     doc-bos: false                        # the tokenizer's BOS per document (harness >= 0.4.9.2)
 *   - mc: hellaswag                         # hellaswag, arc_easy, ... (trit mc's tasks)
 *     data: ../fixtures/data/hellaswag/hellaswag_val_first200.txt
 *     limit: 20
 *     method: harness                       # or llama-cpp
 *     shots: 0                              # K-shot (harness method); results task "hellaswag/K-shot"
 *     fewshot-seed: 1234                    # the harness's --fewshot_random_seed
 *     fewshot-data: train.jsonl             # the train split (default: the train file beside data)
 * weights: true                             # size, bits per weight, energy estimate rows per model
 * report: true                              # also write OUT/index.html and summary.md
 * </pre>
 */
record EvalPlan(Path file, JsonNode canonical, List<Entry> entries, List<Task> tasks, String baseline, boolean weights, boolean report) {

    /** A model to measure: a given file, or a variant built from one (then {@code build} is set). */
    record Entry(String model, String variant, Path path, Build build, String source, boolean kldVsSource) {
        String label() {
            return variant.isEmpty() ? model : model + "/" + variant;
        }
    }

    /** A variant to build: the converter's target type and whether it ternarizes after training. */
    record Build(Path from, TargetType type, boolean ternarize, String spec) {
    }

    sealed interface Task permits Ppl, Mc, Wikitext {
        String name();
    }

    record Ppl(String name, Path text, EvalWindow.Protocol protocol, int ctx, int maxWindows, int topK) implements Task {
    }

    /** An mc task; {@code name} is the results' task (NAME/K-shot with shots); {@code fewshotData} null: the train file beside data. */
    record Mc(String name, McTask task, Path data, int limit, McMethod method, int shots, long fewshotSeed, Path fewshotData) implements Task {
    }

    /** A ppl task with protocol lm-eval-wikitext: {@code ctx} 0 is the model's context, {@code maxDocs} 0 every document. */
    record Wikitext(String name, Path text, int ctx, int maxDocs, boolean docBos) implements Task {
    }

    static final Set<String> TOP_KEYS = Set.of("models", "baseline", "tasks", "weights", "report");
    static final Set<String> MODEL_KEYS = Set.of("path", "name", "variant", "variants", "kld-vs-source");
    static final Set<String> PPL_KEYS = Set.of("ppl", "text", "protocol", "ctx", "max-windows", "top-k");
    static final Set<String> WIKITEXT_KEYS = Set.of("ppl", "text", "protocol", "ctx", "max-docs", "max_docs", "doc-bos", "doc_bos");
    static final Set<String> MC_KEYS = Set.of("mc", "task", "data", "limit", "method", "shots", "fewshot-seed", "fewshot_seed", "fewshot-data", "fewshot_data");
    static final String LM_EVAL_WIKITEXT = PplCommand.LM_EVAL_WIKITEXT;

    static EvalPlan read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "no such file");
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = n.endsWith(".yaml") || n.endsWith(".yml") ? new YAMLMapper() : new ObjectMapper();
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "not a valid plan (" + e.getOriginalMessage() + ")");
        }
        try {
            return parse(file, root);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
    }

    static EvalPlan parse(Path file, JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException("the plan is not a mapping");
        keys(root, TOP_KEYS, "the plan");
        Path dir = file.toAbsolutePath().normalize().getParent();
        List<Entry> entries = new ArrayList<>();
        JsonNode models = root.get("models");
        if (models == null || !models.isArray() || models.isEmpty()) throw new IllegalArgumentException("models: a list of at least one model is needed");
        for (JsonNode m : models) {
            if (!m.isObject()) throw new IllegalArgumentException("models: each model is a mapping with a path");
            keys(m, MODEL_KEYS, "a model");
            Path path = dir.resolve(text(m, "path", null)).normalize();
            String name = text(m, "name", EvalResults.modelName(path));
            String variant = text(m, "variant", "");
            boolean kldVsSource = bool(m, "kld-vs-source", false);
            Entry base = new Entry(name, variant, path, null, null, false);
            entries.add(base);
            JsonNode vs = m.get("variants");
            if (vs != null) {
                if (!vs.isArray()) throw new IllegalArgumentException(name + ": variants is a list like [convert:tq2_0, quant:q4_k_m]");
                for (JsonNode v : vs) {
                    String spec = v.asText();
                    Build b = build(path, spec);
                    String label = "gguf-" + b.type().label() + (b.ternarize() ? "-ternarized" : "");
                    entries.add(new Entry(name, label, null, b, base.label(), kldVsSource));
                }
            }
        }
        Set<String> labels = new HashSet<>();
        for (Entry e : entries) if (!labels.add(e.label())) throw new IllegalArgumentException("two models are called " + e.label() + " (give them a name or variant)");
        String baseline = root.has("baseline") ? text(root, "baseline", null) : null;
        if (baseline != null && !labels.contains(baseline)) throw new IllegalArgumentException("baseline " + baseline + " is none of the models (" + String.join(", ", labels) + ")");
        List<Task> tasks = new ArrayList<>();
        JsonNode ts = root.get("tasks");
        if (ts == null || !ts.isArray() || ts.isEmpty()) throw new IllegalArgumentException("tasks: a list of at least one task is needed");
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode t : ts) {
            Task task;
            if (t.has("ppl") && LM_EVAL_WIKITEXT.equals(t.path("protocol").asText())) {
                keys(t, WIKITEXT_KEYS, "a ppl task with protocol " + LM_EVAL_WIKITEXT);
                String name = text(t, "ppl", null);
                task = new Wikitext(name, dir.resolve(text(t, "text", null)).normalize(), integer(t, "ctx", 0, 2),
                        integer(t, alias(t, "max-docs", name), 0, 0), bool(t, alias(t, "doc-bos", name), false));
            } else if (t.has("ppl")) {
                keys(t, PPL_KEYS, "a ppl task");
                String p = text(t, "protocol", "hf");
                EvalWindow.Protocol protocol = switch (p) {
                    case "hf" -> EvalWindow.Protocol.HF;
                    case "llama-cpp" -> EvalWindow.Protocol.LLAMA_CPP;
                    default -> throw new IllegalArgumentException("ppl " + t.get("ppl").asText() + ": protocol " + p + " is not hf, llama-cpp or " + LM_EVAL_WIKITEXT);
                };
                int ctx = integer(t, "ctx", 512, 2), maxWindows = integer(t, "max-windows", 0, 0), topK = integer(t, "top-k", 32, 1);
                task = new Ppl(text(t, "ppl", null), dir.resolve(text(t, "text", null)).normalize(), protocol, ctx, maxWindows, topK);
            } else if (t.has("mc")) {
                keys(t, MC_KEYS, "an mc task");
                String id = text(t, "task", text(t, "mc", null));
                McTask mt;
                try {
                    mt = McTask.byId(id);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("mc " + text(t, "mc", null) + ": " + e.getMessage());
                }
                String name = text(t, "mc", null);
                McMethod method = switch (text(t, "method", "harness")) {
                    case "harness" -> McMethod.HARNESS;
                    case "llama-cpp" -> McMethod.LLAMA_CPP;
                    default -> throw new IllegalArgumentException("mc " + name + ": method is harness or llama-cpp");
                };
                int shots = integer(t, "shots", 0, 0);
                String seedKey = alias(t, "fewshot-seed", name), dataKey = alias(t, "fewshot-data", name);
                if (shots > 0 && method == McMethod.LLAMA_CPP) {
                    throw new IllegalArgumentException("mc " + name + ": shots apply to the harness method (llama.cpp's HellaSwag is zero-shot)");
                }
                if (shots == 0 && (t.has(seedKey) || t.has(dataKey))) throw new IllegalArgumentException("mc " + name + ": " + seedKey + " and " + dataKey + " need shots > 0");
                long seed = 1234;
                JsonNode sv = t.get(seedKey);
                if (sv != null && !sv.isNull()) {
                    if (!sv.isIntegralNumber() || !sv.canConvertToLong()) throw new IllegalArgumentException("mc " + name + ": " + seedKey + " is not an integer");
                    seed = sv.longValue();
                }
                Path fewshotData = t.has(dataKey) ? dir.resolve(text(t, dataKey, null)).normalize() : null;
                // named as trit mc --num-fewshot K names its results: piqa/5-shot
                task = new Mc(shots > 0 ? name + "/" + shots + "-shot" : name, mt, dir.resolve(text(t, "data", null)).normalize(), integer(t, "limit", 0, 0), method,
                        shots, seed, fewshotData);
            } else {
                throw new IllegalArgumentException("tasks: each task is a mapping with ppl: NAME or mc: NAME");
            }
            if (!names.add(task.name())) throw new IllegalArgumentException("two tasks are called " + task.name());
            if (task.name().isEmpty() || task.name().equals(WEIGHTS_TASK)) throw new IllegalArgumentException("a task may not be called '" + task.name() + "'");
            tasks.add(task);
        }
        // the canonical form (paths made absolute) identifies the plan a folder's results belong to
        ObjectNode canonical = (ObjectNode) root.deepCopy();
        for (JsonNode m : canonical.get("models")) ((ObjectNode) m).put("path", dir.resolve(m.get("path").asText()).normalize().toString());
        for (JsonNode t : canonical.get("tasks")) {
            ObjectNode o = (ObjectNode) t;
            for (String k : List.of("text", "data", "fewshot-data", "fewshot_data")) if (o.has(k)) o.put(k, dir.resolve(o.get(k).asText()).normalize().toString());
        }
        return new EvalPlan(file, canonical, List.copyOf(entries), List.copyOf(tasks), baseline, bool(root, "weights", true), bool(root, "report", false));
    }

    static final String WEIGHTS_TASK = "weights";

    /** convert:TYPE, quant:TYPE (a GGUF type that is not ternary) or ternarize:TYPE (post-training absmean). */
    static Build build(Path from, String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? "" : spec.substring(0, colon), type = spec.substring(colon + 1);
        TargetType t = TargetType.parse(type, true)
                .orElseThrow(() -> new IllegalArgumentException("variant " + spec + ": " + type + " is not a GGUF type trit convert writes"));
        return switch (kind) {
            case "convert" -> new Build(from, t, false, spec);
            case "quant" -> {
                if (t.isTernary()) throw new IllegalArgumentException("variant " + spec + ": quant: takes a non-ternary type (use convert: or ternarize:)");
                yield new Build(from, t, false, spec);
            }
            case "ternarize" -> {
                if (!t.isTernary()) throw new IllegalArgumentException("variant " + spec + ": ternarize: takes a ternary type (tq1_0, tq2_0, i2_s)");
                yield new Build(from, t, true, spec);
            }
            default -> throw new IllegalArgumentException("variant " + spec + " is not convert:TYPE, quant:TYPE or ternarize:TYPE");
        };
    }

    /** The plan in canonical JSON (one line), as stored in OUT/plan.json. */
    String canonicalJson() {
        try {
            return new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true).writeValueAsString(canonical);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void keys(JsonNode o, Set<String> allowed, String what) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) throw new IllegalArgumentException(what + " has an unknown key '" + k + "' (known: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
    }

    /** The key as the task spells it: {@code hyphenated} or its underscore form (both are accepted, not together). */
    private static String alias(JsonNode o, String hyphenated, String task) {
        String underscored = hyphenated.replace('-', '_');
        if (o.has(hyphenated) && o.has(underscored)) throw new IllegalArgumentException(task + ": " + hyphenated + " and " + underscored + " are the same key, given twice");
        return o.has(underscored) ? underscored : hyphenated;
    }

    private static String text(JsonNode o, String key, String dflt) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            if (dflt == null) throw new IllegalArgumentException(key + " is missing");
            return dflt;
        }
        if (!v.isValueNode()) throw new IllegalArgumentException(key + " is not a single value");
        return v.asText();
    }

    private static boolean bool(JsonNode o, String key, boolean dflt) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new IllegalArgumentException(key + " is not true or false");
        return v.booleanValue();
    }

    private static int integer(JsonNode o, String key, int dflt, int min) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new IllegalArgumentException(key + " is not an integer");
        if (v.intValue() < min) throw new IllegalArgumentException(key + " must be at least " + min);
        return v.intValue();
    }
}
