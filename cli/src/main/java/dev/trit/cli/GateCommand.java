package dev.trit.cli;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultTable;
import dev.trit.reports.Gate;
import dev.trit.reports.GateRule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code trit gate}: fail CI when a result regressed past a rule. */
@Command(name = "gate", mixinStandardHelpOptions = true,
        description = {"Compare current results with a baseline under rules; print a pass/fail table.",
                "Exit 0 if every check passes, 1 on a regression, 2 on bad input (unreadable file, missing metric or row).",
                "RULES: one per line, e.g. 'perplexity: rise <= 2%%', 'kld_mean: <= 0.05', 'acc: drop <= 1 point',",
                "'size_bytes: rise <= 0%%'. Results: Arrow IPC or JSON files of schema trit.results/1.",
                "Failures are also printed as GitHub Actions annotations (::error ...)."})
final class GateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--baseline", required = true, paramLabel = "B", description = "baseline results (.json or .arrow)")
    Path baseline;

    @Option(names = "--current", required = true, paramLabel = "C", description = "current results (.json or .arrow)")
    Path current;

    @Option(names = "--rules", required = true, paramLabel = "RULES", description = "rules file")
    Path rules;

    @Option(names = "--junit", paramLabel = "FILE", description = "write JUnit XML here")
    Path junit;

    @Override
    public Integer call() throws Exception {
        List<Gate.Outcome> outcomes;
        try {
            List<GateRule> rs = Gate.readRules(rules);
            ResultTable b = read(baseline), c = read(current);
            outcomes = Gate.evaluate(rs, b, c);
        } catch (Gate.BadInput e) {
            throw new Main.UsageException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        int kw = Math.max(11, outcomes.stream().mapToInt(o -> o.key().toString().length()).max().orElse(0));
        int rw = Math.max(4, outcomes.stream().mapToInt(o -> o.rule().text().length()).max().orElse(0));
        String fmt = "%-" + rw + "s  %-" + kw + "s  %12s  %12s  %-18s  %-18s  %s%n";
        out.printf(Locale.ROOT, fmt, "rule", "measurement", "baseline", "current", "change", "limit", "result");
        long failed = 0;
        for (Gate.Outcome o : outcomes) {
            boolean pass = o.check().pass();
            if (!pass) failed++;
            out.printf(Locale.ROOT, fmt, o.rule().text(), o.key(), Double.isNaN(o.baseline()) ? "-" : fmtNum(o.baseline()),
                    fmtNum(o.current()), o.check().changeText(), o.check().limitText(), pass ? "PASS" : "FAIL");
        }
        out.printf(Locale.ROOT, "%d checks, %d passed, %d failed%n", outcomes.size(), outcomes.size() - failed, failed);
        for (Gate.Outcome o : outcomes) if (!o.check().pass()) out.println(Gate.annotation(o));
        if (junit != null) Gate.writeAtomically(junit, Gate.junitXml(outcomes));
        out.flush();
        return failed == 0 ? Main.OK : Main.FAILURE;
    }

    private static String fmtNum(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static ResultTable read(Path p) {
        try {
            return ResultFiles.read(p);
        } catch (IOException e) {
            throw new Main.UsageException(e.getMessage() == null ? p + ": unreadable" : e.getMessage());
        }
    }
}
