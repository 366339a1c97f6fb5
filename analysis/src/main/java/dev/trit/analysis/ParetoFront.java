package dev.trit.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Pareto front of points where lower is better on both axes (e.g. file size and KL-divergence):
 * the points no other point beats, that is, no other point is at most as large on both axes and
 * strictly smaller on one. Identical points are all on the front (neither beats the other); points
 * with a non-finite coordinate take no part.
 */
public final class ParetoFront {
    private ParetoFront() {
    }

    /** True when {@code a} beats {@code b}: no worse on both axes, strictly better on one. */
    public static boolean dominates(double ax, double ay, double bx, double by) {
        return ax <= bx && ay <= by && (ax < bx || ay < by);
    }

    /**
     * Indices of the front's points, ordered by x (then y, then index): the order in which to draw
     * the front as a line.
     */
    public static List<Integer> of(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) continue;
            boolean beaten = false;
            for (int j = 0; j < x.length && !beaten; j++) {
                if (j != i && Double.isFinite(x[j]) && Double.isFinite(y[j]) && dominates(x[j], y[j], x[i], y[i])) beaten = true;
            }
            if (!beaten) front.add(i);
        }
        front.sort(Comparator.<Integer>comparingDouble(i -> x[i]).thenComparingDouble(i -> y[i]).thenComparingInt(i -> i));
        return front;
    }
}
