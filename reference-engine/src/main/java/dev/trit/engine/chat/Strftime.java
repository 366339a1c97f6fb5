package dev.trit.engine.chat;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code datetime.strftime} for the C-locale directives chat templates use. */
final class Strftime {
    private Strftime() {
    }

    static String format(ZonedDateTime t, String fmt) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 == fmt.length()) {
                b.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            switch (d) {
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'd' -> b.append(two(t.getDayOfMonth()));
                case 'e' -> b.append(String.format(Locale.ROOT, "%2d", t.getDayOfMonth()));
                case 'm' -> b.append(two(t.getMonthValue()));
                case 'y' -> b.append(two(t.getYear() % 100));
                case 'Y' -> b.append(t.getYear());
                case 'H' -> b.append(two(t.getHour()));
                case 'I' -> b.append(two((t.getHour() + 11) % 12 + 1));
                case 'M' -> b.append(two(t.getMinute()));
                case 'S' -> b.append(two(t.getSecond()));
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> b.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
                case 'f' -> b.append(String.format(Locale.ROOT, "%06d", t.getNano() / 1000));
                case 'F' -> b.append(t.format(DateTimeFormatter.ISO_LOCAL_DATE));
                case 'T' -> b.append(two(t.getHour())).append(':').append(two(t.getMinute())).append(':').append(two(t.getSecond()));
                case '%' -> b.append('%');
                default -> throw new IllegalArgumentException("strftime_now: unsupported directive %" + d);
            }
        }
        return b.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }
}
