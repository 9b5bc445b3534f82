package org.rmqtt.bench.load;

import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.rmqtt.bench.cli.Rate;

/**
 * Drives a group of lanes from one thread until a deadline: at a fixed rate, or as fast as their
 * in-flight windows allow.
 *
 * <p>At a fixed rate each message carries the time it was <em>due</em>, not the time it left: if
 * the server pushes back and messages queue up in the client, that wait is part of the latency
 * the user sees (no coordinated omission).
 */
final class Pacer implements Runnable {

    /** Messages sent to one lane before looking at the others, so no lane starves. */
    private static final int BURST = 256;
    private static final long MIN_PARK_NANOS = 20_000;
    private static final long MAX_PARK_NANOS = 1_000_000;

    private final List<Lane> lanes;
    private final long[] laneStart;
    private final double intervalNanos;
    private final boolean maxRate;
    private final long stopAt;
    /** End-to-end window for max-rate runs; null at a fixed rate. */
    private final Backlog backlog;
    /** Receivers per lane, for the backlog. */
    private final int[] fanout;

    /**
     * @param totalLanes lanes across all pacers, to split the rate between them
     * @param firstIndex index of {@code lanes.get(0)} among all lanes, to stagger start times
     */
    Pacer(List<Lane> lanes, int[] fanout, int firstIndex, int stride, int totalLanes, Rate rate, Backlog backlog,
          long startNanos, long stopAt) {
        this.lanes = lanes;
        this.fanout = fanout;
        this.backlog = backlog;
        this.maxRate = rate.isMax();
        this.intervalNanos = maxRate ? 0 : 1e9 * totalLanes / rate.perSecond();
        this.stopAt = stopAt;
        this.laneStart = new long[lanes.size()];
        for (int i = 0; i < lanes.size(); i++) {
            int globalIndex = firstIndex + i * stride;
            // Spread the lanes over one interval so N publishers at R msg/s do not fire in bursts of N.
            laneStart[i] = startNanos + (long) (intervalNanos * globalIndex / totalLanes);
        }
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            long now = System.nanoTime();
            if (now - stopAt >= 0) {
                return;
            }
            boolean sent = false;
            long nextDue = now + MAX_PARK_NANOS;
            for (int i = 0; i < lanes.size(); i++) {
                Lane lane = lanes.get(i);
                int burst = 0;
                while (burst < BURST) {
                    long stamp;
                    if (maxRate) {
                        stamp = System.nanoTime();
                    } else {
                        stamp = laneStart[i] + (long) (lane.attempted() * intervalNanos);
                        if (stamp - now > 0 || stamp - stopAt >= 0) {
                            nextDue = Math.min(nextDue, stamp);
                            break;
                        }
                    }
                    if (backlog != null && !backlog.allows()) {
                        break;
                    }
                    if (!lane.trySendNext(stamp)) {
                        break;
                    }
                    if (backlog != null) {
                        backlog.sent(fanout[i]);
                    }
                    burst++;
                }
                sent |= burst > 0;
            }
            if (!sent) {
                long park = maxRate ? MIN_PARK_NANOS : Math.max(MIN_PARK_NANOS, Math.min(MAX_PARK_NANOS, nextDue - now));
                LockSupport.parkNanos(park);
            }
        }
    }
}
