package org.rmqtt.gateway.connection;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many connections this gateway closed, per {@link Violation}. One per gateway, shared by its
 * channels through their {@link ConnectionContext}; read by tests and by the metrics endpoint.
 */
public final class ViolationCounters {
    private final Map<Violation, LongAdder> counts = new EnumMap<>(Violation.class);

    public ViolationCounters() {
        for (Violation v : Violation.values()) {
            counts.put(v, new LongAdder());
        }
    }

    public void increment(Violation violation) {
        counts.get(violation).increment();
    }

    public long count(Violation violation) {
        return counts.get(violation).sum();
    }

    /** A snapshot of every counter, zeros included. */
    public Map<Violation, Long> snapshot() {
        Map<Violation, Long> copy = new EnumMap<>(Violation.class);
        counts.forEach((v, n) -> copy.put(v, n.sum()));
        return copy;
    }
}
