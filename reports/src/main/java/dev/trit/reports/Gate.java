package dev.trit.reports;

import dev.trit.formats.OutputFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code trit gate}: compares a current result table with a baseline under rules, row by row. Rows
 * are matched on (model, variant, task, scope, metric). A rule that needs a baseline applies to every
 * baseline row of its metric, and each of those must have a current row; a bound applies to every
 * current row of its metric. Anything missing is bad input ({@link BadInput}), not a regression.
 */
public final class Gate {
    private Gate() {
    }

    /** Input that cannot be gated (missing metric or row, NaN values, unreadable rules). */
    public static final class BadInput extends Exception {
        public BadInput(String message) {
            super(message);
        }
    }

    public record Outcome(GateRule rule, ResultRow.Key key, double baseline, double current, GateRule.Check check) {
    }

    public static List<GateRule> readRules(Path file) throws BadInput {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new BadInput(file + ": cannot read rules (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        }
        List<GateRule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            try {
                rules.add(GateRule.parse(l));
            } catch (IllegalArgumentException e) {
                throw new BadInput(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (rules.isEmpty()) throw new BadInput(file + ": no rules");
        return rules;
    }

    public static List<Outcome> evaluate(List<GateRule> rules, ResultTable baseline, ResultTable current) throws BadInput {
        Map<ResultRow.Key, ResultRow> cur = index(current, "current");
        Map<ResultRow.Key, ResultRow> base = index(baseline, "baseline");
        List<Outcome> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (GateRule rule : rules) {
            if (rule.needsBaseline()) {
                List<ResultRow> rows = baseline.metric(rule.metric());
                if (rows.isEmpty()) throw new BadInput("metric " + rule.metric() + " (rule '" + rule.text() + "') is not in the baseline");
                for (ResultRow b : rows) {
                    ResultRow c = cur.get(b.key());
                    if (c == null) {
                        missing.add(b.key().toString());
                        continue;
                    }
                    if (!Double.isFinite(b.value()) || !Double.isFinite(c.value())) {
                        throw new BadInput(b.key() + ": value is not a number (baseline " + b.value() + ", current " + c.value() + ")");
                    }
                    out.add(new Outcome(rule, b.key(), b.value(), c.value(), rule.check(b.value(), c.value(), c.unit())));
                }
            } else {
                List<ResultRow> rows = current.metric(rule.metric());
                if (rows.isEmpty()) throw new BadInput("metric " + rule.metric() + " (rule '" + rule.text() + "') is not in the current results");
                for (ResultRow c : rows) {
                    if (!Double.isFinite(c.value())) throw new BadInput(c.key() + ": value is not a number");
                    ResultRow b = base.get(c.key());
                    out.add(new Outcome(rule, c.key(), b == null ? Double.NaN : b.value(), c.value(), rule.check(Double.NaN, c.value(), c.unit())));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new BadInput("missing in the current results: " + String.join("; ", missing.subList(0, Math.min(5, missing.size())))
                    + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : ""));
        }
        return out;
    }

    private static Map<ResultRow.Key, ResultRow> index(ResultTable t, String which) throws BadInput {
        Map<ResultRow.Key, ResultRow> m = new LinkedHashMap<>();
        for (ResultRow r : t.rows()) {
            if (m.put(r.key(), r) != null) throw new BadInput(which + " results hold " + r.key() + " twice");
        }
        return m;
    }

    /** JUnit XML: one testcase per rule and measurement, a failure element for each regression. */
    public static String junitXml(List<Outcome> outcomes) {
        long failures = outcomes.stream().filter(o -> !o.check().pass()).count();
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<testsuites tests=\"").append(outcomes.size()).append("\" failures=\"").append(failures).append("\">\n");
        b.append("  <testsuite name=\"trit gate\" tests=\"").append(outcomes.size()).append("\" failures=\"").append(failures)
                .append("\" errors=\"0\" skipped=\"0\">\n");
        for (Outcome o : outcomes) {
            b.append("    <testcase classname=\"trit.gate.").append(xml(o.rule().metric())).append("\" name=\"")
                    .append(xml(o.key() + ": " + o.rule().text())).append("\"");
            if (o.check().pass()) {
                b.append("/>\n");
            } else {
                b.append(">\n      <failure message=\"").append(xml(message(o))).append("\" type=\"regression\">")
                        .append(xml("baseline " + GateRule.fmt(o.baseline()) + ", current " + GateRule.fmt(o.current())))
                        .append("</failure>\n    </testcase>\n");
            }
        }
        return b.append("  </testsuite>\n</testsuites>\n").toString();
    }

    public static String message(Outcome o) {
        return o.key() + ": " + o.check().changeText() + " (limit " + o.check().limitText() + ")";
    }

    /** GitHub Actions workflow command for a failed check. */
    public static String annotation(Outcome o) {
        return "::error title=" + ghProperty("trit gate: " + o.rule().metric()) + "::" + ghData(message(o));
    }

    static String ghData(String s) {
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    static String ghProperty(String s) {
        return ghData(s).replace(":", "%3A").replace(",", "%2C");
    }

    static String xml(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') b.append(' ');
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    public static void writeAtomically(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = OutputFiles.tempFileBeside(file);
        try {
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
