package org.rmqtt.common.health;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN that would repeat for every message or every retry while a peer is slow or down is
 * logged at most once per interval per key (usually the peer), with how many occurrences the line
 * stands for since the previous one. The first occurrence is logged at once.
 */
public final class ThrottledWarning {
    private final Logger log;
    private final long intervalNanos;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        final AtomicLong start;
        final AtomicLong count = new AtomicLong();

        Window(long start) {
            this.start = new AtomicLong(start);
        }
    }

    public ThrottledWarning(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Counts one occurrence for {@code key}; logs {@code format} (SLF4J style) with {@code args}
     * and the count if the interval since the last line for this key has passed.
     *
     * @return whether a line was logged
     */
    public boolean warn(String key, String format, Object... args) {
        long now = System.nanoTime();
        Window w = windows.computeIfAbsent(key, k -> new Window(now - intervalNanos));
        long n = w.count.incrementAndGet();
        long start = w.start.get();
        if (now - start < intervalNanos || !w.start.compareAndSet(start, now)) {
            return false;
        }
        w.count.addAndGet(-n);
        Object[] withCount = java.util.Arrays.copyOf(args, args.length + 1);
        withCount[args.length] = n;
        log.warn(format + " [{} time(s) since the last such line]", withCount);
        return true;
    }
}
