package org.rmqtt.bench.load;

import java.util.concurrent.atomic.LongAdder;
import org.rmqtt.bench.stats.LatencyStats;

/**
 * What all receivers of a run share: the measured window, the delivery counter and the latencies.
 */
public final class Meter {

    private final LatencyStats latency = new LatencyStats();
    private final LongAdder deliveries = new LongAdder();
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    void window(long startNanos, long endNanos) {
        this.windowStart = startNanos;
        this.windowEnd = endNanos;
    }

    /** Whether a message stamped at {@code sentNanos} belongs to the measured window (not warm-up). */
    boolean inWindow(long sentNanos) {
        return sentNanos - windowStart >= 0 && sentNanos - windowEnd < 0;
    }

    void delivered(long latencyNanos, long sentNanos) {
        deliveries.increment();
        latency.record(latencyNanos, inWindow(sentNanos));
    }

    public LatencyStats latency() {
        return latency;
    }

    public long deliveries() {
        return deliveries.sum();
    }
}
