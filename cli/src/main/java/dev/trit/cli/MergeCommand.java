package dev.trit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code trit merge}: the shard folders of one plan's {@code trit eval --shard I/N} runs, as one run's results. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Combine the folders of trit eval --shard 0/N ... N-1/N (same plan) into OUT/results.arrow and",
                "results.json: exactly the numbers one unsharded run gives (every metric is computed from the",
                "journaled per-window and per-item values in item order)."})
final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "shard folders (trit eval --out)")
    List<Path> dirs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
    Path out;

    @Override
    public Integer call() throws Exception {
        ObjectMapper m = new ObjectMapper();
        JsonNode plan = null;
        int n = -1;
        boolean[] seen = null;
        List<Path> abs = new ArrayList<>();
        for (Path d : dirs) {
            Path dir = d.toAbsolutePath().normalize();
            Path f = dir.resolve(EvalCommand.STATE);
            if (!Files.exists(f)) throw new Main.FailureException(dir + ": not a trit eval folder (no " + EvalCommand.STATE + ")");
            JsonNode s = m.readTree(f.toFile());
            int[] sh = EvalCommand.parseShard(s.path("shard").asText());
            if (plan == null) {
                plan = s.get("plan");
                n = sh[1];
                seen = new boolean[n];
            } else if (!plan.equals(s.get("plan"))) {
                throw new Main.FailureException(dir + ": a run of another plan than " + abs.getFirst());
            } else if (sh[1] != n) {
                throw new Main.FailureException(dir + ": shard " + sh[0] + "/" + sh[1] + ", the others are of " + n);
            }
            if (seen[sh[0]]) throw new Main.FailureException(dir + ": shard " + sh[0] + "/" + n + " is given twice");
            seen[sh[0]] = true;
            abs.add(dir);
        }
        for (int i = 0; i < n; i++) if (!seen[i]) throw new Main.FailureException("shard " + i + "/" + n + " is missing");
        EvalPlan p = EvalPlan.parse(abs.getFirst().resolve(EvalCommand.STATE), plan);
        Path o = out.toAbsolutePath().normalize();
        Files.createDirectories(o);
        PrintWriter w = spec.commandLine().getOut();
        try (EvalCommand.Lock lock = EvalCommand.Lock.acquire(o)) {
            EvalCommand.finish(o, p, EvalCommand.rows(o, EvalCommand.units(p), abs), w);
        }
        w.flush();
        return Main.OK;
    }
}
