package org.rmqtt.bench.cli;

/** A send rate in messages per second across all senders, or as fast as the server confirms. */
public record Rate(double perSecond) {

    /** The largest fixed rate accepted; beyond it "max" is the honest choice. */
    public static final double LIMIT = 10_000_000;

    public static final Rate MAX = new Rate(Double.POSITIVE_INFINITY);

    public Rate {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be above 0 msg/s");
        }
        if (perSecond > LIMIT && perSecond != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("rate " + perSecond + " msg/s is above " + (long) LIMIT + "; use --rate max");
        }
    }

    /** Parses "max" or a number of messages per second, e.g. "1000" or "2.5". */
    public static Rate parse(String text) {
        String value = text.trim();
        if (value.equalsIgnoreCase("max")) {
            return MAX;
        }
        double perSecond;
        try {
            perSecond = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a rate: give msg/s as a number, or 'max'");
        }
        return new Rate(perSecond);
    }

    public boolean isMax() {
        return perSecond == Double.POSITIVE_INFINITY;
    }

    @Override
    public String toString() {
        if (isMax()) {
            return "max";
        }
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }
}
