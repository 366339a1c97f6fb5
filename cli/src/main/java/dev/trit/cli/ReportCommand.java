package dev.trit.cli;

import dev.trit.analysis.ActivationsArrowFile;
import dev.trit.analysis.LinearActivations;
import dev.trit.analysis.ResultFiles;
import dev.trit.analysis.ResultRow;
import dev.trit.analysis.ResultTable;
import dev.trit.reports.ReportBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code trit report}: an HTML page and a Markdown summary with charts from result files. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Render result files (Arrow IPC or JSON, schema trit.results/1) as DIR/index.html and DIR/summary.md",
                "with charts in DIR/charts (PNG and SVG): size, throughput, energy, perplexity vs bits per weight,",
                "KLD and top-1 agreement, per-layer ternary distribution; pages of their own for layer sensitivity",
                "(heatmap), mixed-precision plans beside the uniform types, and activation statistics (quantizer",
                "errors per linear; with a trit activations --out Arrow file among RESULTS also each linear's",
                "outlier channels and token absmax). Charts whose metrics are absent are listed as such."})
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
        Map<String, List<LinearActivations>> acts = new LinkedHashMap<>();
        for (Path p : results) {
            if (ActivationsArrowFile.is(p)) {
                // trit activations --out: the per-linear arrays for the activations page, and its summary rows
                ActivationsArrowFile.Contents c = ActivationsArrowFile.read(p);
                String model = EvalResults.modelName(Path.of(c.metadata().getOrDefault("trit.model", p.getFileName().toString())));
                String task = c.metadata().containsKey("trit.text") ? EvalResults.textName(Path.of(c.metadata().get("trit.text"))) : "";
                List<ResultRow> rows = new ArrayList<>();
                for (LinearActivations a : c.linears()) rows.addAll(a.toRows(model, "", task));
                tables.add(new ResultTable(rows));
                acts.put(model, c.linears());
            } else {
                tables.add(ResultFiles.read(p));
            }
        }
        ReportBuilder.Report r = ReportBuilder.build(ResultTable.concat(tables), out, List.of(), acts);
        var w = spec.commandLine().getOut();
        w.println(r.dir().resolve("index.html") + ": " + r.charts().size() + " charts"
                + (r.missing().isEmpty() ? "" : "; not in the results: " + String.join(", ", r.missing())));
        w.flush();
        return Main.OK;
    }
}
