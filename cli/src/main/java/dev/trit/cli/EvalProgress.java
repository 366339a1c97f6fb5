package dev.trit.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of {@code trit eval} on stderr: per unit and overall, items done, items/s, tokens/s and
 * ETA (from this run's rate; items resumed from a journal count as done but not toward the rate).
 * A line at most every two seconds and at the end of each unit.
 */
final class EvalProgress {
    private final PrintWriter err;
    private final int units;
    private long totalItems;
    private final long start = System.nanoTime();
    private long doneItems, ranItems, ranTokens;
    private int unit;
    private String label;
    private long unitItems, unitDone, unitRan, unitTokens, unitStart, lastPrint;

    EvalProgress(PrintWriter err, int units, long totalItems) {
        this.err = err;
        this.units = units;
        this.totalItems = totalItems;
    }

    /** Items of this run found when a unit's size became known (texts are tokenized when their unit starts). */
    void expect(long items) {
        totalItems += items;
    }

    /** A unit starts: {@code items} of it belong to this run, {@code done} of those are already journaled. */
    void startUnit(int index, String label, long items, long done) {
        this.unit = index;
        this.label = label;
        this.unitItems = items;
        this.unitDone = done;
        this.unitRan = 0;
        this.unitTokens = 0;
        this.unitStart = System.nanoTime();
        this.doneItems += done;
        print(true, done > 0 ? String.format(Locale.ROOT, "resuming, %d of %d items already journaled", done, items) : "starting");
    }

    void item(long tokens) {
        unitDone++;
        unitRan++;
        unitTokens += tokens;
        doneItems++;
        ranItems++;
        ranTokens += tokens;
        long now = System.nanoTime();
        if (unitDone == unitItems) print(true, "done");
        else if (now - lastPrint > 2_000_000_000L) print(false, null);
    }

    /** A unit with nothing left to do in this run. */
    void skipUnit(int index, String label, long items) {
        this.doneItems += items;
        err.printf(Locale.ROOT, "eval [unit %d/%d] %s: %d items journaled already%n", index + 1, units, label, items);
        err.flush();
    }

    private void print(boolean force, String note) {
        long now = System.nanoTime();
        if (!force && now - lastPrint < 2_000_000_000L) return;
        lastPrint = now;
        double us = (now - unitStart) / 1e9, all = (now - start) / 1e9;
        double ips = unitRan > 0 && us > 0 ? unitRan / us : Double.NaN, tps = unitRan > 0 && us > 0 ? unitTokens / us : Double.NaN;
        double allIps = ranItems > 0 && all > 0 ? ranItems / all : Double.NaN;
        double allTps = ranItems > 0 && all > 0 ? ranTokens / all : Double.NaN;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "eval [unit %d/%d] %s: %d/%d items", unit + 1, units, label, unitDone, unitItems));
        if (unitRan > 0) {
            b.append(String.format(Locale.ROOT, ", %.2f items/s, %.0f tok/s", ips, tps));
            if (unitDone < unitItems) b.append(", unit ETA ").append(DemoCommand.seconds((unitItems - unitDone) / ips));
        }
        b.append(String.format(Locale.ROOT, "; overall %d/%d items", doneItems, totalItems));
        if (ranItems > 0) {
            b.append(String.format(Locale.ROOT, ", %.2f items/s, %.0f tok/s", allIps, allTps));
            if (doneItems < totalItems) b.append(", ETA ").append(DemoCommand.seconds((totalItems - doneItems) / allIps));
        }
        b.append(", ").append(DemoCommand.seconds(all)).append(" elapsed");
        if (note != null) b.append(" (").append(note).append(')');
        err.println(b);
        err.flush();
    }
}
