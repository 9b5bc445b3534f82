package org.rmqtt.bench.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end flow control for "as fast as possible" runs: publishers pause while too many sent
 * messages have not yet reached their subscribers.
 *
 * <p>Without it, a server that acknowledges publishes faster than it delivers them builds an
 * unbounded queue: "max rate" would then measure how fast it accepts, with latency growing for
 * the whole run and, where the server caps its queues (Mosquitto: 1,000 per client), loss. With it,
 * max rate is the rate the server sustains end to end.
 */
final class Backlog {

    /** With no delivery at all for this long, what is outstanding is taken as lost (QoS 0) and forgotten. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long limit;
    private final Meter meter;
    private final AtomicLong promised = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private long lastDeliveries = -1;
    private long lastProgress = System.nanoTime();

    /** @param limit deliveries that may be outstanding across all receivers */
    Backlog(long limit, Meter meter) {
        this.limit = limit;
        this.meter = meter;
    }

    /** Whether another message may go out now; called by pacer threads. */
    synchronized boolean allows() {
        long delivered = meter.deliveries();
        if (promised.get() - delivered < limit) {
            return true;
        }
        long now = System.nanoTime();
        if (delivered != lastDeliveries) {
            lastDeliveries = delivered;
            lastProgress = now;
            return false;
        }
        if (now - lastProgress > STALL_NANOS) {
            promised.set(delivered);
            stalls.incrementAndGet();
            lastProgress = now;
            return true;
        }
        return false;
    }

    /** A message that {@code receivers} receivers should get was sent. */
    void sent(int receivers) {
        promised.addAndGet(receivers);
    }

    /** How often the outstanding deliveries were written off after a second without progress. */
    long stalls() {
        return stalls.get();
    }
}
