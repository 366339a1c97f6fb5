package dev.trit.engine.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.FormatException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a task's items from a data file:
 *
 * <ul>
 * <li>{@code .txt} (HellaSwag only): llama.cpp's text format, 6 lines per task: the context
 *     ({@code activity_label + ": " + ctx}, already cleaned of " [title]" by llama.cpp's extractor but
 *     with ctx_b not capitalised), the gold index, the four endings.</li>
 * <li>anything else: JSON lines in the harness's dataset layout (see {@link McTask}).</li>
 * </ul>
 *
 * PIQA's original release keeps the labels apart, one 0/1 per line of {@code X-labels.lst} beside
 * {@code X.jsonl}; that file is used when the rows have no {@code label} (or given explicitly).
 */
public final class McDataset {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to read the data. {@code limit} &lt;= 0 reads every item. */
    public record Options(Path labels, boolean harnessPreprocessText, int limit) {
        public static Options harness(int limit) {
            return new Options(null, true, limit);
        }
    }

    private McDataset() {
    }

    /**
     * The first items of the file. {@code harnessPreprocessText} applies the harness's HellaSwag
     * {@code preprocess} to the lines of the llama.cpp text format (it removes the "[...]" fragments
     * llama.cpp's extractor leaves); llama.cpp's own scoring reads the lines as they are.
     */
    public static List<McItem> read(McTask task, Path file, Options options) throws IOException {
        List<McItem> items = new ArrayList<>();
        for (McDoc d : readDocs(task, file, options)) items.add(d.item());
        return items;
    }

    /**
     * One row of a data file: its item and what identifies the row as lm-evaluation-harness compares
     * documents ({@code x != doc}, dict equality): the JSON object (with a label from a labels file
     * merged in), or for llama.cpp's HellaSwag text format the task's six lines.
     */
    public record McDoc(McItem item, Object key) {
    }

    /** {@link #read} with each row's identity kept, for the few-shot sampler's exclusion of the eval doc. */
    public static List<McDoc> readDocs(McTask task, Path file, Options options) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "no such data file");
        try {
            if (task == McTask.HELLASWAG && file.getFileName().toString().endsWith(".txt")) {
                return readHellaswagText(file, options);
            }
            return readJsonLines(task, file, options);
        } catch (CharacterCodingException e) {
            throw new FormatException(file, "not UTF-8 text");
        }
    }

    private static List<McDoc> readHellaswagText(Path file, Options options) throws IOException {
        List<McDoc> items = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String[] lines = new String[6];
            int lineNo = 0;
            while (options.limit() <= 0 || items.size() < options.limit()) {
                int got = 0;
                for (; got < 6; got++) {
                    String l = in.readLine();
                    if (l == null) break;
                    lines[got] = l;
                }
                lineNo += got;
                if (got == 0) break;
                if (got < 6) throw new FormatException(file, lineNo + " lines is not a multiple of 6 (context, gold, 4 endings per task)");
                int first = lineNo - 5;
                int gold;
                try {
                    gold = Integer.parseInt(lines[1].strip());
                } catch (NumberFormatException e) {
                    throw new FormatException(file, "line " + (first + 1) + ": gold index \"" + lines[1] + "\" is not a number");
                }
                if (gold < 0 || gold > 3) throw new FormatException(file, "line " + (first + 1) + ": gold index " + gold + " outside 0..3");
                String context = options.harnessPreprocessText() ? McTask.harnessPreprocess(lines[0]) : lines[0];
                List<String> endings = new ArrayList<>();
                for (int e = 0; e < 4; e++) {
                    endings.add(options.harnessPreprocessText() ? McTask.harnessPreprocess(lines[2 + e]) : lines[2 + e]);
                }
                items.add(new McDoc(McTask.item("hellaswag:" + items.size(), context, endings, gold), List.of(lines.clone())));
            }
        }
        if (items.isEmpty()) throw new FormatException(file, "no tasks");
        return items;
    }

    private static List<McDoc> readJsonLines(McTask task, Path file, Options options) throws IOException {
        List<Integer> labels = null;
        Path labelFile = options.labels();
        if (labelFile == null && task == McTask.PIQA) {
            String name = file.getFileName().toString();
            Path sibling = file.resolveSibling(name.replaceFirst("\\.jsonl?$", "") + "-labels.lst");
            if (Files.isRegularFile(sibling)) labelFile = sibling;
        }
        if (labelFile != null) labels = readLabels(labelFile);
        List<McDoc> items = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null && (options.limit() <= 0 || items.size() < options.limit())) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode doc;
                try {
                    doc = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new FormatException(file, "line " + lineNo + ": not JSON: " + e.getOriginalMessage());
                }
                if (doc == null || !doc.isObject()) throw new FormatException(file, "line " + lineNo + ": not a JSON object");
                int index = items.size();
                if (labels != null && !doc.has("label")) {
                    if (index >= labels.size()) throw new FormatException(labelFile, "has " + labels.size() + " labels, fewer than the items of " + file.getFileName());
                    doc = ((com.fasterxml.jackson.databind.node.ObjectNode) doc).put("label", labels.get(index));
                }
                try {
                    items.add(new McDoc(task.fromJson(doc, task.id() + ":" + index), doc));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(file, "line " + lineNo + ": " + e.getMessage());
                }
            }
        }
        if (items.isEmpty()) throw new FormatException(file, "no items");
        return items;
    }

    private static List<Integer> readLabels(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "no such labels file");
        List<Integer> labels = new ArrayList<>();
        int lineNo = 0;
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (l.isBlank()) continue;
            try {
                labels.add(Integer.parseInt(l.strip()));
            } catch (NumberFormatException e) {
                throw new FormatException(file, "line " + lineNo + ": label \"" + l + "\" is not a number");
            }
        }
        return labels;
    }
}
