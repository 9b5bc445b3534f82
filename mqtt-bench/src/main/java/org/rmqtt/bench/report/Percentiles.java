package org.rmqtt.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** A latency distribution as fixed percentile points, for plots comparing servers. */
public final class Percentiles {

    /** The points of a classic latency-by-percentile plot, up to the maximum. */
    static final double[] POINTS = {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100};

    private Percentiles() {
    }

    /** @param micros latencies in microseconds */
    public static List<Map<String, Object>> of(Histogram micros) {
        List<Map<String, Object>> points = new ArrayList<>();
        if (micros.getTotalCount() == 0) {
            return points;
        }
        for (double p : POINTS) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("percentile", p);
            long value = p == 100 ? micros.getMaxValue() : micros.getValueAtPercentile(p);
            point.put("ms", value / 1000.0);
            points.add(point);
        }
        return points;
    }
}
