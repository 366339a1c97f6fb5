package dev.trit.analysis;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Intel/AMD RAPL package energy counters as Linux exposes them under /sys/class/powercap
 * ({@code intel-rapl:N/energy_uj}, microjoules, wrapping at {@code max_energy_range_uj}). Often
 * absent or readable only by root (and absent in most VMs and containers): then {@link #open} says why.
 */
public final class Rapl {
    private final List<Path> counters;

    private Rapl(List<Path> counters) {
        this.counters = counters;
    }

    /** The top-level package domains (intel-rapl:N, not their subzones), or why there are none. */
    public static Rapl open(Path powercap, StringBuilder whyNot) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(powercap)) {
            whyNot.append(powercap).append(" does not exist (no RAPL exposed on this machine)");
            return null;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(powercap, "intel-rapl:*")) {
            for (Path d : ds) {
                if (d.getFileName().toString().indexOf(':') != d.getFileName().toString().lastIndexOf(':')) continue;
                Path e = d.resolve("energy_uj");
                if (Files.isReadable(e)) {
                    try {
                        Long.parseLong(Files.readString(e).strip());
                        found.add(e);
                    } catch (IOException | NumberFormatException ex) {
                        whyNot.append(e).append(" is not readable (").append(ex.getMessage()).append("); ");
                    }
                }
            }
        } catch (IOException e) {
            whyNot.append(powercap).append(": ").append(e.getMessage());
            return null;
        }
        if (found.isEmpty()) {
            if (whyNot.isEmpty()) whyNot.append("no readable intel-rapl:N/energy_uj under ").append(powercap);
            return null;
        }
        return new Rapl(found);
    }

    public static Rapl open(StringBuilder whyNot) {
        return open(Path.of("/sys/class/powercap"), whyNot);
    }

    /** Sum of the package counters, microjoules. */
    public long readMicrojoules() throws IOException {
        long sum = 0;
        for (Path p : counters) sum += Long.parseLong(Files.readString(p).strip());
        return sum;
    }

    /** Joules used while {@code work} ran (empty if a counter wrapped meanwhile). */
    public Optional<Double> measure(Runnable work) throws IOException {
        long a = readMicrojoules();
        work.run();
        long b = readMicrojoules();
        return b >= a ? Optional.of((b - a) / 1e6) : Optional.empty();
    }
}
