package dev.trit.cli;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes evaluation numbers as a trit result table (schema trit.results/1): .arrow as Arrow IPC, else JSON. */
final class EvalResults {
    private EvalResults() {
    }

    static void write(Path file, List<ResultRow> rows) throws IOException {
        ResultTable t = new ResultTable(rows);
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".arrow")) ResultFiles.writeArrow(t, file);
        else ResultFiles.writeJson(t, file);
    }

    /** The model's name in result rows: the directory name, or the file name without .gguf (as trit analyze). */
    static String modelName(Path model) {
        String n = model.toAbsolutePath().normalize().getFileName().toString();
        return n.toLowerCase(Locale.ROOT).endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }

    /** A text's name as a task: "wikitext-2/test.txt" becomes "wikitext-2-test". */
    static String textName(Path text) {
        Path abs = text.toAbsolutePath().normalize();
        String stem = abs.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path parent = abs.getParent();
        return parent == null || parent.getFileName() == null ? stem : parent.getFileName() + "-" + stem;
    }
}
