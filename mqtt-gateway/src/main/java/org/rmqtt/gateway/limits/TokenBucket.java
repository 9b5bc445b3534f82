package org.rmqtt.gateway.limits;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A non-blocking token bucket: {@code ratePerSecond} tokens a second, at most {@code burst} saved
 * up. {@link #tryTake} refuses when empty; {@link #take} always takes and lets the balance go into
 * debt, saying how long until it is paid back. The clock is injectable so that tests need no sleeps.
 * Synchronized: a per-address bucket is shared by the event loops of that address's connections.
 */
final class TokenBucket {
    private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final double ratePerNano;
    private final double burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    TokenBucket(int ratePerSecond, int burst, LongSupplier nanoClock) {
        if (ratePerSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be positive");
        }
        this.ratePerNano = ratePerSecond / NANOS_PER_SECOND;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.last = nanoClock.getAsLong();
    }

    /** Takes one token if there is one. */
    synchronized boolean tryTake() {
        refill();
        if (tokens < 1) {
            return false;
        }
        tokens--;
        return true;
    }

    /** Takes one token, into debt if need be; returns {@link #owedNanos()} after it. */
    synchronized long take() {
        refill();
        tokens--;
        return owedNanos();
    }

    /** How long until the balance is back at zero or more: 0 when nothing is owed. */
    synchronized long owedNanos() {
        refill();
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / ratePerNano);
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - last;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * ratePerNano);
            last = now;
        }
    }
}
