package org.rmqtt.gateway.limits;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.Violation;

/**
 * The limits of one gateway (the limits.* keys) and the state its channels share: open
 * connections in all and per source address, and a connect-rate bucket per address. Safe from any
 * event loop; the counts are exact, the buckets of idle addresses are forgotten.
 */
public final class Limits {
    /** Addresses whose connect bucket is kept at most; a flood from more forgets the least recent. */
    private static final int MAX_TRACKED_ADDRESSES = 100_000;

    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final int connectRatePerIp;
    private final int connectBurstPerIp;
    private final int publishRate;
    private final int publishBurst;
    private final TopicLimits topics;
    private final Duration slowReaderTimeout;
    private final Counters counters;
    private final LongSupplier nanoClock;

    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final Cache<InetAddress, TokenBucket> connectBuckets;

    public Limits(GatewayConfig config, Counters counters) {
        this(config, counters, System::nanoTime);
    }

    /** With a test clock for the rate limits. */
    public Limits(GatewayConfig config, Counters counters, LongSupplier nanoClock) {
        this(config, counters, nanoClock, config.maxConnections());
    }

    /** With {@code maxConnections} (0: none) in place of limits.maxConnections; see {@link FileBudget}. */
    public Limits(GatewayConfig config, Counters counters, int maxConnections) {
        this(config, counters, System::nanoTime, maxConnections);
    }

    private Limits(GatewayConfig config, Counters counters, LongSupplier nanoClock, int maxConnections) {
        this.maxConnections = maxConnections;
        this.maxConnectionsPerIp = config.maxConnectionsPerIp();
        this.connectRatePerIp = config.connectRatePerIp();
        this.connectBurstPerIp = config.connectBurstPerIp();
        this.publishRate = config.publishRatePerClient();
        this.publishBurst = config.publishBurstPerClient();
        this.topics = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
        this.slowReaderTimeout = config.slowReaderTimeout();
        this.counters = counters;
        this.nanoClock = nanoClock;
        // A bucket idle long enough to be full again is the same as a new one: forget it then.
        long refillNanos = connectRatePerIp == 0 ? 0
                : Duration.ofSeconds(1).toNanos() * connectBurstPerIp / connectRatePerIp;
        this.connectBuckets = CacheBuilder.newBuilder()
                .expireAfterAccess(Duration.ofNanos(Math.max(refillNanos, Duration.ofSeconds(1).toNanos())))
                .maximumSize(MAX_TRACKED_ADDRESSES)
                .ticker(new Ticker() {
                    @Override
                    public long read() {
                        return nanoClock.getAsLong();
                    }
                })
                .build();
    }

    /** The most connections held at once; 0: no limit. */
    public int maxConnections() {
        return maxConnections;
    }

    /** No limits but the protocol's, for tests and embedders that do not configure any. */
    public static Limits none() {
        return new Limits(GatewayConfig.of(java.util.Map.of("rocketmq.embedded", "true", "limits.slowReaderTimeout", "0")),
                new Counters());
    }

    /**
     * Counts a new connection from {@code address} (null: not an IP connection), or returns the
     * limit it is over and counts nothing. Each null answer must be matched by one {@link #release}.
     */
    Violation acquire(InetAddress address) {
        if (maxConnections > 0 && connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            return Violation.MAX_CONNECTIONS;
        }
        if (maxConnectionsPerIp > 0 && address != null) {
            int n = perIp.merge(address, 1, Integer::sum);
            if (n > maxConnectionsPerIp) {
                decrement(address);
                if (maxConnections > 0) {
                    connections.decrementAndGet();
                }
                return Violation.MAX_CONNECTIONS_PER_IP;
            }
        }
        return null;
    }

    void release(InetAddress address) {
        if (maxConnections > 0) {
            connections.decrementAndGet();
        }
        if (maxConnectionsPerIp > 0 && address != null) {
            decrement(address);
        }
    }

    /** The removal at zero keeps the map as small as the set of connected addresses. */
    private void decrement(InetAddress address) {
        perIp.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    /** Connections counted against limits.maxConnectionsPerIp from {@code address}. */
    int connectionsFrom(InetAddress address) {
        return perIp.getOrDefault(address, 0);
    }

    /** Addresses that hold a connection, as counted for limits.maxConnectionsPerIp. */
    int trackedAddresses() {
        return perIp.size();
    }

    /** Whether {@code address} may open one more connection now (limits.connectRatePerIp). */
    boolean connectAllowed(InetAddress address) {
        if (connectRatePerIp == 0 || address == null) {
            return true;
        }
        try {
            return connectBuckets.get(address, () -> new TokenBucket(connectRatePerIp, connectBurstPerIp, nanoClock)).tryTake();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A publish-rate bucket for one connection, or null without limits.publishRatePerClient. */
    TokenBucket newPublishBucket() {
        return publishRate == 0 ? null : new TokenBucket(publishRate, publishBurst, nanoClock);
    }

    public TopicLimits topics() {
        return topics;
    }

    Duration slowReaderTimeout() {
        return slowReaderTimeout;
    }

    /** Where the limits that do not close connections count (publish throttling, refused filters). */
    public Counters counters() {
        return counters;
    }

    boolean limitsConnections() {
        return maxConnections > 0 || maxConnectionsPerIp > 0;
    }
}
