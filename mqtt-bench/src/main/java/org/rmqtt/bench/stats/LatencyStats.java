package org.rmqtt.bench.stats;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies recorded from any number of threads without locks: one recorder feeds the
 * once-a-second progress line, the other only the measured window (warm-up excluded).
 */
public final class LatencyStats {

    /** Anything slower than an hour is clamped: a benchmark that slow has failed anyway. */
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final Recorder interval = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder window = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);

    public void record(long latencyNanos, boolean inWindow) {
        long micros = Math.min(HIGHEST_MICROS, Math.max(0, latencyNanos / 1000));
        interval.recordValue(micros);
        if (inWindow) {
            window.recordValue(micros);
        }
    }

    /** Latencies since the previous call; for the progress line. */
    public LatencySummary takeInterval() {
        return LatencySummary.of(interval.getIntervalHistogram());
    }

    /** All latencies recorded in the measured window so far. */
    public synchronized LatencySummary windowSummary() {
        total.add(window.getIntervalHistogram());
        return LatencySummary.of(total);
    }

    /** A copy of the window histogram, for percentile distributions written to plots. */
    public synchronized Histogram windowHistogram() {
        total.add(window.getIntervalHistogram());
        return total.copy();
    }
}
