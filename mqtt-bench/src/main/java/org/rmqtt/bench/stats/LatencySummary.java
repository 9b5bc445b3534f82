package org.rmqtt.bench.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Percentiles of a latency distribution, in microseconds. */
public record LatencySummary(long count, double mean, long p50, long p90, long p99, long p999, long max) {

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(
            micros.getTotalCount(),
            micros.getMean(),
            micros.getValueAtPercentile(50),
            micros.getValueAtPercentile(90),
            micros.getValueAtPercentile(99),
            micros.getValueAtPercentile(99.9),
            micros.getMaxValue());
    }

    /** "p50 1.23 ms  p90 ...": the form used in progress lines and summaries. */
    public String describe() {
        if (count == 0) {
            return "no samples";
        }
        return String.format("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms",
            ms(p50), ms(p90), ms(p99), ms(p999), ms(max));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("count", count);
        json.put("mean_ms", round(mean / 1000.0));
        json.put("p50_ms", round(p50 / 1000.0));
        json.put("p90_ms", round(p90 / 1000.0));
        json.put("p99_ms", round(p99 / 1000.0));
        json.put("p999_ms", round(p999 / 1000.0));
        json.put("max_ms", round(max / 1000.0));
        return json;
    }

    static String ms(long micros) {
        return String.format("%.3f", micros / 1000.0);
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
