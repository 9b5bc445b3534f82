package org.rmqtt.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import java.util.function.ToLongFunction;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.session.SessionRegistry;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.meta.MetaUnavailableException;
import org.rmqtt.meta.client.RatisMetaClient;
import org.rmqtt.store.MessageStore;

/**
 * The metrics of one gateway, in one Prometheus registry tagged {@code node=<node id>}. Meters
 * counted per packet are resolved once here (per QoS: an array), so the packet path only bumps
 * lock-free adders; everything that already has a count (sessions, violations, health counters)
 * is read when scraped. The registry starts no threads of its own.
 */
public final class GatewayMetrics implements AutoCloseable {
    /** The content type of {@link #scrape()}: Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Names (Micrometer style: Prometheus adds the unit and {@code _total}) shared with the docs and the dashboard. */
    static final String CONNECTIONS = "mqtt.connections";
    static final String CONNECTION_LIMIT = "mqtt.connections.limit";
    static final String CONNECTS = "mqtt.connects";
    static final String MESSAGES_RECEIVED = "mqtt.messages.received";
    static final String MESSAGES_SENT = "mqtt.messages.sent";
    static final String RECEIVED_BYTES = "mqtt.received";
    static final String SENT_BYTES = "mqtt.sent";
    static final String PROTOCOL_ERRORS = "mqtt.protocol.errors";
    static final String SESSIONS = "mqtt.sessions";
    static final String INFLIGHT = "mqtt.inflight";
    static final String SUBSCRIPTIONS = "mqtt.subscriptions";
    static final String SUBSCRIPTION_FILTERS = "mqtt.subscription.filters";
    static final String STORE_SEND = "mqtt.store.send";
    static final String STORE_SEND_ERRORS = "mqtt.store.send.errors";
    static final String LMQ_PULL = "mqtt.lmq.pull";
    static final String LMQ_PULL_ERRORS = "mqtt.lmq.pull.errors";
    static final String NOTIFY_LAG = "mqtt.notify.lag";
    static final String META_CALLS = "mqtt.meta.calls";
    static final String META_CALL_ERRORS = "mqtt.meta.call.errors";
    static final String NETTY_POOLED_USED = "mqtt.netty.pooled.used";
    static final String NETTY_POOLED_ARENAS = "mqtt.netty.pooled.arenas";
    static final String NETTY_DIRECT_USED = "mqtt.netty.direct.used";
    static final String STORE_QUEUES = "mqtt.store.queues";
    static final String STORE_QUEUE_LIMIT = "mqtt.store.queue.limit";

    private static final int CONNACK_CODES = 6;

    private final PrometheusMeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();
    private final Counter[] received = new Counter[3];
    private final Counter[] sent = new Counter[3];
    /** By CONNACK return code 0..5; then anything else; then "closed without CONNACK". */
    private final Counter[] connects = new Counter[CONNACK_CODES + 2];
    private final ByteCountHandler bytes;
    private final Timer storeSend;
    private final Counter storeSendErrors;
    private final Timer lmqPull;
    private final Counter lmqPullErrors;
    private final Timer notifyLag;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** What function counters read: Micrometer holds them weakly, and some have no other owner. */
    private final List<Object> held = new CopyOnWriteArrayList<>();

    public GatewayMetrics(String nodeId) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", nodeId);
        for (int qos = 0; qos < 3; qos++) {
            received[qos] = Counter.builder(MESSAGES_RECEIVED).tag("qos", Integer.toString(qos))
                    .description("PUBLISH packets received from clients").register(registry);
            sent[qos] = Counter.builder(MESSAGES_SENT).tag("qos", Integer.toString(qos))
                    .description("PUBLISH packets sent to clients, resent ones included").register(registry);
        }
        for (int code = 0; code < CONNACK_CODES; code++) {
            connects[code] = connects(result(MqttConnectReturnCode.valueOf((byte) code)));
        }
        connects[CONNACK_CODES] = connects("refused_other");
        connects[CONNACK_CODES + 1] = connects("closed_without_connack");
        Gauge.builder(CONNECTIONS, connections, AtomicInteger::get)
                .description("Open MQTT connections, CONNECT not yet answered included")
                .strongReference(true).register(registry);
        bytes = new ByteCountHandler(
                Counter.builder(RECEIVED_BYTES).baseUnit("bytes").description("Bytes read from MQTT connections")
                        .register(registry),
                Counter.builder(SENT_BYTES).baseUnit("bytes").description("Bytes written to MQTT connections")
                        .register(registry));
        storeSend = latency(STORE_SEND, "Sends of messages to RocketMQ, until the broker confirmed them");
        storeSendErrors = Counter.builder(STORE_SEND_ERRORS).description("Sends to RocketMQ that failed").register(registry);
        lmqPull = latency(LMQ_PULL, "Pulls from a light message queue (reads the read cache did not answer)");
        lmqPullErrors = Counter.builder(LMQ_PULL_ERRORS).description("Pulls from a light message queue that failed")
                .register(registry);
        notifyLag = latency(NOTIFY_LAG, "From the broker storing a message (its clock) to this node's notifier queueing "
                + "its notify events (this node's clock)");
        bindJvm();
        bindNetty();
    }

    private Counter connects(String result) {
        return Counter.builder(CONNECTS).tag("result", result)
                .description("CONNECTs by result: the CONNACK code, or closed without CONNACK (a protocol violation, "
                        + "a takeover or the client going away first)").register(registry);
    }

    private static String result(MqttConnectReturnCode code) {
        return code == MqttConnectReturnCode.CONNECTION_ACCEPTED ? "accepted"
                : code.name().toLowerCase(Locale.ROOT).replace("connection_", "");
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    private void bindJvm() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        // Open and allowed file descriptors: connections, and the embedded broker's queue files.
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Netty's pooled allocator (the one the MQTT channels use) and its direct memory counter. */
    private void bindNetty() {
        PooledByteBufAllocatorMetric pool = PooledByteBufAllocator.DEFAULT.metric();
        Gauge.builder(NETTY_POOLED_USED, pool, PooledByteBufAllocatorMetric::usedDirectMemory).tag("area", "direct")
                .baseUnit("bytes").description("Memory Netty's pooled allocator holds").strongReference(true).register(registry);
        Gauge.builder(NETTY_POOLED_USED, pool, PooledByteBufAllocatorMetric::usedHeapMemory).tag("area", "heap")
                .baseUnit("bytes").description("Memory Netty's pooled allocator holds").strongReference(true).register(registry);
        Gauge.builder(NETTY_POOLED_ARENAS, pool, PooledByteBufAllocatorMetric::numDirectArenas).tag("area", "direct")
                .description("Arenas of Netty's pooled allocator").strongReference(true).register(registry);
        Gauge.builder(NETTY_POOLED_ARENAS, pool, PooledByteBufAllocatorMetric::numHeapArenas).tag("area", "heap")
                .description("Arenas of Netty's pooled allocator").strongReference(true).register(registry);
        // -1 when Netty does not count its direct memory itself (then see jvm_buffer_memory_used_bytes).
        Gauge.builder(NETTY_DIRECT_USED, () -> PlatformDependent.usedDirectMemory()).baseUnit("bytes")
                .description("Direct memory Netty allocated, pooled or not (-1: not counted by Netty)")
                .strongReference(true).register(registry);
    }

    /** Protocol violations that closed a connection, per reason. */
    public void bindViolations(ViolationCounters violations) {
        held.add(violations);
        for (Violation v : Violation.values()) {
            FunctionCounter.builder(PROTOCOL_ERRORS, violations, c -> c.count(v))
                    .tag("reason", v.name().toLowerCase(Locale.ROOT))
                    .description("Connections closed for breaking the protocol, by reason").register(registry);
        }
    }

    /**
     * The health counters: one meter per {@link Counters.Name}, summed over {@code sources} (the
     * gateway's own, the meta client's). {@code NOTIFY_BACKLOG} goes up and down (a gauge) and
     * {@code CATCH_UP_MILLIS} is exported in seconds.
     */
    public void bindHealth(Counters... sources) {
        held.add(sources);
        for (Counters.Name name : Counters.Name.values()) {
            ToLongFunction<Counters[]> sum = all -> Arrays.stream(all).mapToLong(c -> c.get(name)).sum();
            String meter = healthName(name);
            switch (name) {
                case NOTIFY_BACKLOG -> Gauge.builder(meter, sources, all -> sum.applyAsLong(all))
                        .description("Notify events queued to other nodes, not yet handed over")
                        .strongReference(true).register(registry);
                case CATCH_UP_MILLIS -> FunctionCounter.builder(meter, sources, all -> sum.applyAsLong(all) / 1000.0)
                        .baseUnit("seconds").description("Time spent in catch-up rounds").register(registry);
                default -> FunctionCounter.builder(meter, sources, all -> sum.applyAsLong(all))
                        .description("Gateway health counter " + name).register(registry);
            }
        }
    }

    /** {@code NOTIFY_EVENTS_DROPPED} → {@code mqtt.notify.events.dropped}; the docs list each. */
    static String healthName(Counters.Name name) {
        return switch (name) {
            case CATCH_UP_MILLIS -> "mqtt.catch.up.time";
            default -> "mqtt." + name.name().toLowerCase(Locale.ROOT).replace('_', '.');
        };
    }

    /** The most connections this gateway holds at once (0: no limit); see {@code limits.maxConnections}. */
    public void bindConnectionLimit(int maxConnections) {
        Gauge.builder(CONNECTION_LIMIT, () -> maxConnections)
                .description("Connections past which new ones are closed at once: limits.maxConnections, or what the"
                        + " open-files limit allows when it is not set; 0 for none")
                .register(registry);
    }

    /**
     * The broker in this process: its consume queues (one per MQTT topic and wildcard filter with
     * messages) and the count past which messages needing a new one are refused.
     */
    public void bindEmbeddedBroker(IntSupplier queues, IntSupplier limit) {
        Gauge.builder(STORE_QUEUES, queues, IntSupplier::getAsInt)
                .description("Consume queues of the broker in this process: MQTT topics and filters with messages, and its own")
                .strongReference(true).register(registry);
        Gauge.builder(STORE_QUEUE_LIMIT, limit, IntSupplier::getAsInt)
                .description("Consume queues past which the broker refuses messages that need a new one")
                .strongReference(true).register(registry);
    }

    /** Sessions held here, in-flight messages and subscriptions, read when scraped. */
    public void bindSessions(SessionRegistry sessions, SubscriptionIndex index) {
        Gauge.builder(SESSIONS, sessions, s -> s.connectedCount(false)).tag("type", "clean")
                .description("Sessions connected to this node").strongReference(true).register(registry);
        Gauge.builder(SESSIONS, sessions, s -> s.connectedCount(true)).tag("type", "persistent")
                .description("Sessions connected to this node").strongReference(true).register(registry);
        Gauge.builder(INFLIGHT, sessions, SessionRegistry::inflightTotal)
                .description("QoS 1 and 2 messages sent and not yet acknowledged, over all sessions here")
                .strongReference(true).register(registry);
        Gauge.builder(SUBSCRIPTIONS, sessions, SessionRegistry::subscriptionTotal)
                .description("Subscriptions of the sessions here").strongReference(true).register(registry);
        Gauge.builder(SUBSCRIPTION_FILTERS, index, SubscriptionIndex::filterCount)
                .description("Distinct topic filters this node registered in meta").strongReference(true).register(registry);
    }

    /**
     * Registers the meta call meters and returns the listener that feeds them, for
     * {@link RatisMetaClient#callListener} (the in-memory meta has nothing worth timing).
     */
    public RatisMetaClient.CallListener metaCallListener() {
        Timer read = latency(META_CALLS, "Meta calls, from the call to the answer", "read");
        Timer write = latency(META_CALLS, "Meta calls, from the call to the answer", "write");
        Counter[] errors = new Counter[4];
        int i = 0;
        for (String kind : new String[] {"read", "write"}) {
            for (String reason : new String[] {"unavailable", "failed"}) {
                errors[i++] = Counter.builder(META_CALL_ERRORS).tag("kind", kind).tag("reason", reason)
                        .description("Meta calls that failed: unavailable (no leader in time, queue full) or failed")
                        .register(registry);
            }
        }
        return (isWrite, nanos, failure) -> {
            if (failure == null) {
                (isWrite ? write : read).record(nanos, TimeUnit.NANOSECONDS);
            } else {
                boolean unavailable = failure instanceof MetaUnavailableException;
                errors[(isWrite ? 2 : 0) + (unavailable ? 0 : 1)].increment();
            }
        };
    }

    private Timer latency(String name, String description, String kind) {
        return Timer.builder(name).description(description).tag("kind", kind).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** For {@link org.rmqtt.store.notify.Notifier#lagListener}: records each message's notify lag. */
    public LongConsumer notifyLagRecorder() {
        // Clocks of two hosts: a negative lag is skew, counted as none.
        return millis -> notifyLag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** {@code store} with its sends and pulls timed; the same futures come back. */
    public MessageStore timed(MessageStore store) {
        return new TimedMessageStore(store, storeSend, storeSendErrors, lmqPull, lmqPullErrors);
    }

    /** Counts bytes; sharable, first in the pipeline. */
    public ChannelHandler byteCounter() {
        return bytes;
    }

    /** Counts connections, CONNECT results and PUBLISH packets; one per channel, right behind the encoder. */
    public ChannelHandler packetCounter() {
        return new PacketCountHandler(this);
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    void publishReceived(int qos) {
        if (qos >= 0 && qos < 3) {
            received[qos].increment();
        }
    }

    void publishSent(int qos) {
        if (qos >= 0 && qos < 3) {
            sent[qos].increment();
        }
    }

    void connAckSent(byte returnCode) {
        connects[returnCode >= 0 && returnCode < CONNACK_CODES ? returnCode : CONNACK_CODES].increment();
    }

    void connectClosedWithoutConnAck() {
        connects[CONNACK_CODES + 1].increment();
    }

    /** For bindings this class does not know of. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape();
    }

    /** Stops the JVM bindings that listen for events (GC notifications). */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
