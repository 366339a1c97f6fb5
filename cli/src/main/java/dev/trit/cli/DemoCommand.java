package dev.trit.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code trit demo}: the main job on the bundled demo models. This first version inspects every
 * bundled checkpoint; conversion, evaluation and the report join it as they land.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the main job on the bundled demo models (fixtures/).")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--fixtures", paramLabel = "DIR", description = "the fixtures folder (default: the repo's fixtures/)")
    Path fixtures;

    @Override
    public Integer call() throws Exception {
        Path dir = fixtures != null ? fixtures : defaultFixtures();
        if (!Files.isDirectory(dir)) throw new Main.FailureException(dir + ": fixtures folder not found (use --fixtures DIR)");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> models = new ArrayList<>();
        try (var hf = Files.list(dir.resolve("hf"))) {
            hf.filter(Files::isDirectory).sorted().forEach(models::add);
        }
        try (var gg = Files.list(dir.resolve("gguf"))) {
            gg.filter(p -> p.toString().endsWith(".gguf")).sorted().forEach(models::add);
        }
        out.printf("%-28s %-6s %8s %12s %12s %8s%n", "model", "format", "tensors", "parameters", "bytes", "bits/w");
        for (int i = 0; i < models.size(); i++) {
            Path m = models.get(i);
            err.printf("demo: [%d/%d] inspecting %s%n", i + 1, models.size(), m.getFileName());
            Inspection ins = Inspection.of(m);
            long p = ins.parameters(), b = ins.totalBytes();
            out.printf(java.util.Locale.ROOT, "%-28s %-6s %8d %12d %12d %8.3f%n", m.getFileName(), ins.format(),
                    ins.tensors().size(), p, b, p == 0 ? 0 : 8.0 * b / p);
        }
        out.flush();
        return Main.OK;
    }

    static Path defaultFixtures() {
        return Path.of(System.getProperty("trit.root", ".")).resolve("fixtures");
    }
}
