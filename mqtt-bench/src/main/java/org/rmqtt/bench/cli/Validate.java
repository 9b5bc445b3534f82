package org.rmqtt.bench.cli;

import java.time.Duration;

/** Range checks whose messages name the option, for picocli to print with the usage hint. */
public final class Validate {

    private Validate() {
    }

    public static void range(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(String.format("%s must be between %,d and %,d, not %,d", option, min, max, value));
        }
    }

    public static void positive(String option, double value, double max) {
        if (!(value > 0) || value > max) {
            throw new IllegalArgumentException(String.format("%s must be above 0 and at most %,.0f, not %s", option, max, value));
        }
    }

    public static void duration(String option, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(option + " must be between " + Durations.format(min) + " and "
                + Durations.format(max) + ", not " + Durations.format(value));
        }
    }
}
