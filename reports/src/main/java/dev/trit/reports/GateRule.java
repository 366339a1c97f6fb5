package dev.trit.reports;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a gate rules file: {@code METRIC: CHECK}, where CHECK is one of
 * <pre>
 *   rise &lt;= X%          current may exceed baseline by at most X percent of baseline
 *   rise &lt;= X           ... by at most X (in the metric's unit)
 *   rise &lt;= X point(s)  ... by at most X percentage points (fractions: X/100)
 *   drop &lt;= X% | X | X point(s)   the same, for decreases
 *   &lt;= X  |  &gt;= X        a bound on the current value alone (no baseline needed)
 * </pre>
 * e.g. {@code perplexity: rise <= 2%}, {@code kld_mean: <= 0.05}, {@code acc: drop <= 1 point},
 * {@code size_bytes: rise <= 0%}. Blank lines and lines starting with # are ignored.
 */
public record GateRule(String metric, Kind kind, double limit, Unit unit, String text) {
    public enum Kind { RISE, DROP, AT_MOST, AT_LEAST }

    public enum Unit { PERCENT, ABSOLUTE, POINTS }

    private static final Pattern LINE = Pattern.compile(
            "\\s*([A-Za-z0-9_.\\-]+)\\s*:\\s*(rise|drop)?\\s*(<=|>=)\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*(%|points?)?\\s*");

    /** Parses one rule; IllegalArgumentException saying what is wrong. */
    public static GateRule parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read rule '" + line.strip()
                    + "' (expected e.g. 'perplexity: rise <= 2%', 'kld_mean: <= 0.05', 'acc: drop <= 1 point')");
        }
        String dir = m.group(2), op = m.group(3), unitText = m.group(5);
        double x = Double.parseDouble(m.group(4));
        Unit unit = unitText == null ? Unit.ABSOLUTE : unitText.equals("%") ? Unit.PERCENT : Unit.POINTS;
        Kind kind;
        if (dir == null) {
            if (unit != Unit.ABSOLUTE) throw new IllegalArgumentException("rule '" + line.strip() + "': a bound takes a plain number, not % or points");
            kind = op.equals("<=") ? Kind.AT_MOST : Kind.AT_LEAST;
        } else {
            if (!op.equals("<=")) throw new IllegalArgumentException("rule '" + line.strip() + "': write '" + dir + " <= X'");
            if (x < 0) throw new IllegalArgumentException("rule '" + line.strip() + "': a limit on a " + dir + " must not be negative");
            kind = dir.equals("rise") ? Kind.RISE : Kind.DROP;
        }
        return new GateRule(m.group(1), kind, x, unit, line.strip());
    }

    public boolean needsBaseline() {
        return kind == Kind.RISE || kind == Kind.DROP;
    }

    /** The outcome of this rule on one measurement. */
    public record Check(boolean pass, double change, String changeText, String limitText) {
    }

    /**
     * @param unitName the metric's unit from the result rows ("fraction" makes a point 0.01)
     */
    public Check check(double baseline, double current, String unitName) {
        return switch (kind) {
            case AT_MOST -> new Check(current <= limit, current, fmt(current), "<= " + fmt(limit));
            case AT_LEAST -> new Check(current >= limit, current, fmt(current), ">= " + fmt(limit));
            case RISE, DROP -> {
                double delta = kind == Kind.RISE ? current - baseline : baseline - current;
                String word = kind == Kind.RISE ? "rise" : "drop";
                yield switch (unit) {
                    case PERCENT -> {
                        double pct = baseline == 0 ? (delta == 0 ? 0 : delta > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY)
                                : 100 * delta / Math.abs(baseline);
                        yield new Check(pct <= limit + 1e-12, pct, word + " " + fmt(pct) + "%", word + " <= " + fmt(limit) + "%");
                    }
                    case ABSOLUTE -> new Check(delta <= limit + 1e-15 * Math.abs(baseline), delta, word + " " + fmt(delta),
                            word + " <= " + fmt(limit));
                    case POINTS -> {
                        double perPoint = unitName.equals("fraction") ? 0.01 : 1.0;
                        double pts = delta / perPoint;
                        yield new Check(pts <= limit + 1e-9, pts, word + " " + fmt(pts) + " pt", word + " <= " + fmt(limit) + " pt");
                    }
                };
            }
        };
    }

    static String fmt(double v) {
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v != 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return String.format(Locale.ROOT, "%.4g", v);
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
