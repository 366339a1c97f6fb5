package dev.trit.cli;

import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultTable;
import dev.trit.reports.ReportBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code trit report}: an HTML page and a Markdown summary with charts from result files. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Render result files (Arrow IPC or JSON, schema trit.results/1) as DIR/index.html and DIR/summary.md",
                "with charts in DIR/charts (PNG and SVG): size, throughput, energy, perplexity vs bits per weight,",
                "KLD and top-1 agreement, per-layer ternary distribution. Charts whose metrics are absent are listed as such."})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (created)")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "RESULTS", description = "result files")
    List<Path> results;

    @Override
    public Integer call() throws Exception {
        List<ResultTable> tables = new ArrayList<>();
        for (Path p : results) tables.add(ResultFiles.read(p));
        ReportBuilder.Report r = ReportBuilder.build(ResultTable.concat(tables), out);
        var w = spec.commandLine().getOut();
        w.println(r.dir().resolve("index.html") + ": " + r.charts().size() + " charts"
                + (r.missing().isEmpty() ? "" : "; not in the results: " + String.join(", ", r.missing())));
        w.flush();
        return Main.OK;
    }
}
