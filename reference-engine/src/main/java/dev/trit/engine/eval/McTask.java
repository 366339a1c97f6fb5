package dev.trit.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The zero-shot multiple-choice tasks, each with its prompt format from lm-evaluation-harness
 * (lm_eval/tasks/&lt;task&gt;/*.yaml). Every task uses the harness's default target delimiter, one
 * space: the continuation of choice c is {@code " " + c}. Documents are the harness's datasets
 * (Hugging Face rows, one JSON object per line):
 *
 * <ul>
 * <li>hellaswag: {@code activity_label, ctx_a, ctx_b, endings[4], label}; context
 *     {@code preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())}, choices
 *     {@code preprocess(ending)} (utils.py). The llama.cpp text file is read by {@link McDataset}.</li>
 * <li>arc_easy / arc_challenge: {@code question, choices{text[],label[]}, answerKey}; context
 *     {@code "Question: " + question + "\nAnswer:"}, gold {@code choices.label.index(answerKey)}.</li>
 * <li>piqa: {@code goal, sol1, sol2, label}; context {@code "Question: " + goal + "\nAnswer:"}. The
 *     original release keeps labels in a separate {@code -labels.lst} file (see {@link McDataset}).</li>
 * <li>winogrande: {@code sentence, option1, option2, answer ("1"/"2")}; partial evaluation: context
 *     {@code sentence[:blank] + option} (one per option), continuation {@code " " + sentence[blank+1:].strip()}
 *     shared by both options (preprocess_winogrande.py).</li>
 * <li>boolq (super_glue): {@code passage, question, label (0 = no, 1 = yes)}; context
 *     {@code passage + "\nQuestion: " + question + "?\nAnswer:"}, choices {@code ["no", "yes"]}. The
 *     original release's boolean {@code answer} is accepted too.</li>
 * <li>openbookqa: {@code question_stem, choices{text[],label[]}, answerKey}; context the bare
 *     question stem, gold {@code choices.label.index(answerKey.lstrip())}.</li>
 * </ul>
 *
 * <p>The harness reports {@code acc_norm} only for hellaswag, arc, piqa and openbookqa
 * ({@link #reportsAccNorm()}); we compute it for all.
 */
public enum McTask {
    HELLASWAG("hellaswag", true) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            String ctx = text(doc, "ctx_a") + " " + capitalize(text(doc, "ctx_b"));
            String query = harnessPreprocess(text(doc, "activity_label") + ": " + ctx);
            List<String> choices = new ArrayList<>();
            for (JsonNode e : array(doc, "endings")) choices.add(harnessPreprocess(e.asText()));
            return item(id, query, choices, intLabel(doc, "label"));
        }
    },
    ARC_EASY("arc_easy", true) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            return labelledChoices(id, "Question: " + text(doc, "question") + "\nAnswer:", doc, text(doc, "answerKey"));
        }
    },
    ARC_CHALLENGE("arc_challenge", true) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            return ARC_EASY.fromJson(doc, id);
        }
    },
    PIQA("piqa", true) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            return item(id, "Question: " + text(doc, "goal") + "\nAnswer:",
                    List.of(text(doc, "sol1"), text(doc, "sol2")), intLabel(doc, "label"));
        }
    },
    WINOGRANDE("winogrande", false) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            String sentence = text(doc, "sentence");
            int blank = sentence.indexOf('_');
            if (blank < 0) throw new IllegalArgumentException("sentence has no '_' blank");
            String continuation = " " + sentence.substring(blank + 1).strip();
            List<McChoice> choices = new ArrayList<>();
            for (String option : List.of(text(doc, "option1"), text(doc, "option2"))) {
                String context = sentence.substring(0, blank) + option;
                choices.add(new McChoice(context, continuation, context));
            }
            String answer = text(doc, "answer").strip();
            int gold = switch (answer) {
                case "1" -> 0;
                case "2" -> 1;
                default -> throw new IllegalArgumentException("answer must be \"1\" or \"2\", not \"" + answer + "\"");
            };
            return new McItem(id, choices, gold);
        }
    },
    BOOLQ("boolq", false) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            int gold;
            if (doc.hasNonNull("label")) gold = intLabel(doc, "label");
            else if (doc.has("answer") && doc.get("answer").isBoolean()) gold = doc.get("answer").asBoolean() ? 1 : 0;
            else throw new IllegalArgumentException("missing \"label\" (0/1) or boolean \"answer\"");
            return item(id, text(doc, "passage") + "\nQuestion: " + text(doc, "question") + "?\nAnswer:",
                    List.of("no", "yes"), gold);
        }
    },
    OPENBOOKQA("openbookqa", true) {
        @Override
        McItem fromJson(JsonNode doc, String id) {
            return labelledChoices(id, text(doc, "question_stem"), doc, text(doc, "answerKey").stripLeading());
        }
    };

    private final String id;
    private final boolean reportsAccNorm;

    McTask(String id, boolean reportsAccNorm) {
        this.id = id;
        this.reportsAccNorm = reportsAccNorm;
    }

    /** The harness's task name. */
    public String id() {
        return id;
    }

    /** Whether lm-evaluation-harness lists {@code acc_norm} among the task's metrics. */
    public boolean reportsAccNorm() {
        return reportsAccNorm;
    }

    /**
     * The split the harness evaluates on: its {@code test_split} when the task YAML names one (arc,
     * openbookqa: test), else {@code validation_split}.
     */
    public String evalSplit() {
        return hasTestSplit() ? "test" : "validation";
    }

    /**
     * The split few-shot examples come from. None of these tasks sets {@code fewshot_split} or a
     * {@code fewshot_config}, so the harness's {@code fewshot_docs()} falls back to the training docs:
     * every task's {@code training_split} is {@code train}.
     */
    public String fewshotSplit() {
        return "train";
    }

    /**
     * Whether the harness's sampler draws K + 1 examples and drops the eval doc: it does when the task's
     * {@code fewshot_split == test_split}. With neither set (hellaswag, piqa, winogrande, boolq) that is
     * {@code None == None}, true even though the examples come from train; arc and openbookqa have
     * {@code test_split: test} and draw exactly K.
     */
    public boolean fewshotDrawsExtra() {
        return !hasTestSplit();
    }

    private boolean hasTestSplit() {
        return switch (this) {
            case ARC_EASY, ARC_CHALLENGE, OPENBOOKQA -> true;
            case HELLASWAG, PIQA, WINOGRANDE, BOOLQ -> false;
        };
    }

    public static McTask byId(String id) {
        for (McTask t : values()) if (t.id.equals(id.toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("unknown task '" + id + "' (known: " + ids() + ")");
    }

    public static String ids() {
        StringBuilder sb = new StringBuilder();
        for (McTask t : values()) sb.append(sb.isEmpty() ? "" : ", ").append(t.id);
        return sb.toString();
    }

    /** The item of one dataset row; IllegalArgumentException with a short cause if the row is malformed. */
    abstract McItem fromJson(JsonNode doc, String id);

    /** Context plus " " + choice for each choice: the harness's default layout. */
    static McItem item(String id, String context, List<String> choices, int gold) {
        List<McChoice> cs = new ArrayList<>();
        for (String c : choices) cs.add(new McChoice(context, " " + c, c));
        return new McItem(id, cs, gold);
    }

    private static McItem labelledChoices(String id, String context, JsonNode doc, String answerKey) {
        JsonNode choices = doc.get("choices");
        if (choices == null || !choices.isObject()) throw new IllegalArgumentException("missing object \"choices\"");
        List<String> texts = new ArrayList<>(), labels = new ArrayList<>();
        for (JsonNode t : array(choices, "text")) texts.add(t.asText());
        for (JsonNode l : array(choices, "label")) labels.add(l.asText());
        if (texts.size() != labels.size()) throw new IllegalArgumentException("choices.text and choices.label differ in length");
        int gold = labels.indexOf(answerKey);
        if (gold < 0) throw new IllegalArgumentException("answerKey \"" + answerKey + "\" is not among the labels " + labels);
        return item(id, context, texts, gold);
    }

    static String text(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        if (n == null || n.isNull()) throw new IllegalArgumentException("missing field \"" + field + "\"");
        if (!n.isValueNode()) throw new IllegalArgumentException("field \"" + field + "\" is not a string");
        return n.asText();
    }

    private static Iterable<JsonNode> array(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        if (n == null || !n.isArray()) throw new IllegalArgumentException("missing array \"" + field + "\"");
        return n;
    }

    /** An integer label given as a number or a numeric string (the HF hellaswag rows use strings). */
    static int intLabel(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        if (n == null || n.isNull()) throw new IllegalArgumentException("missing field \"" + field + "\"");
        if (n.isIntegralNumber()) return n.asInt();
        try {
            return Integer.parseInt(n.asText().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field \"" + field + "\" is not an integer: \"" + n.asText() + "\"");
        }
    }

    private static final Pattern BRACKETED = Pattern.compile("\\[.*?\\]");

    /**
     * lm-evaluation-harness's hellaswag {@code preprocess}: strip, " [title]" to ". ", drop any
     * "[...]" (WikiHow artifacts), then one pass replacing double spaces by single ones.
     */
    public static String harnessPreprocess(String text) {
        String t = text.strip();
        t = t.replace(" [title]", ". ");
        t = BRACKETED.matcher(t).replaceAll("");
        return t.replace("  ", " ");
    }

    /** Python's str.capitalize(): first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(n).toLowerCase(Locale.ROOT)).toString();
    }
}
