package org.rmqtt.gateway.connect;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN that would repeat for every client while a dependency is down (thousands a second) is
 * logged at most once per interval, with how many occurrences it stands for since the last line.
 */
public final class ThrottledWarning {
    private final Logger log;
    private final String format;
    private final long intervalNanos;
    private final long intervalSeconds;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);
    private final AtomicLong count = new AtomicLong();

    /** @param format takes the count, the interval in seconds, an example clientId and the error */
    public ThrottledWarning(Logger log, String format, long intervalSeconds) {
        this.log = log;
        this.format = format;
        this.intervalSeconds = intervalSeconds;
        this.intervalNanos = intervalSeconds * 1_000_000_000L;
    }

    public void warn(String clientId, Throwable error) {
        long n = count.incrementAndGet();
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start >= intervalNanos && windowStart.compareAndSet(start, now)) {
            count.addAndGet(-n);
            log.warn(format, n, intervalSeconds, clientId, error.getMessage());
        }
    }
}
