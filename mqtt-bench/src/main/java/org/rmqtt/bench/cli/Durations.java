package org.rmqtt.bench.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as people type them: "15" (seconds), "15s", "500ms", "2m", "1h". */
public final class Durations {

    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text.trim().toLowerCase());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use e.g. 15s, 500ms, 2m or 1h");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(Math.min(amount, Long.MAX_VALUE / 60));
            default -> Duration.ofHours(Math.min(amount, Long.MAX_VALUE / 3600));
        };
    }

    /** "15s", "1.5s", "250ms": short form for progress lines and summaries. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis < 1000 ? millis + "ms" : String.format("%.1fs", millis / 1000.0);
        }
        return (millis / 1000) + "s";
    }
}
