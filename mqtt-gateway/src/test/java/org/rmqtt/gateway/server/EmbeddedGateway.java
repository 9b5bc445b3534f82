package org.rmqtt.gateway.server;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.SocketChannel;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.connect.ConnectHandler;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.limits.Limits;
import org.rmqtt.gateway.notify.TopicEventDispatcher;
import org.rmqtt.gateway.publish.PublishHandler;
import org.rmqtt.gateway.publish.PublishService;
import org.rmqtt.gateway.session.SessionFactory;
import org.rmqtt.gateway.session.SessionRegistry;
import org.rmqtt.gateway.subscribe.SubscribeHandler;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.gateway.will.Wills;
import org.rmqtt.meta.InMemoryMetaClient;
import org.rmqtt.store.memory.InMemoryMessageStore;
import org.rmqtt.store.notify.NotifyClient;
import org.rmqtt.store.notify.NotifyHandler;

/**
 * One gateway node for unit tests, wired like {@code Gateway} but on the in-memory ports: each
 * {@link #connect()} is an {@link EmbeddedChannel} whose pipeline the real
 * {@link MqttChannelInitializer} built. Nothing runs on another thread: session tasks wait in the
 * channel's event loop until {@link EmbeddedClient#runTasks()} (writes run them too).
 */
public final class EmbeddedGateway implements AutoCloseable {
    public static final String NODE_ID = "node-1";
    public static final String NOTIFY_ADDRESS = "127.0.0.1:1";
    /** The defaults of GatewayConfig. */
    public static final int CONNECT_TIMEOUT_SECONDS = 10;
    public static final int MAX_MESSAGE_SIZE = 1_048_576;
    /** subscribe.deny holds this one filter. */
    public static final String DENIED_FILTER = "test/nosubscribe";
    /** subscribe.maxPerSession. */
    public static final int MAX_SUBSCRIPTIONS = 100;

    public final InMemoryMessageStore store = new InMemoryMessageStore();
    /** The store as PublishService sees it, which records how publishes were grouped into writes. */
    public final RecordingMessageStore publishStore = new RecordingMessageStore(store);
    public final InMemoryMetaClient meta;
    public final SubscriptionIndex index;
    public final TopicEventDispatcher dispatcher;
    public final SessionRegistry registry;
    public final Wills wills;
    public final ViolationCounters violations = new ViolationCounters();
    public final org.rmqtt.common.health.Counters counters = new org.rmqtt.common.health.Counters();
    /** Never started: the registry only uses it for calls to this node itself, which skip the network. */
    private final NotifyClient notifyClient;
    private final MqttChannelInitializer initializer;
    private final List<EmbeddedClient> clients = new ArrayList<>();

    public EmbeddedGateway() {
        this(32, 32);
    }

    public EmbeddedGateway(int maxInflight, int pullBatch) {
        this(maxInflight, pullBatch, new InMemoryMetaClient(), java.time.Duration.ofDays(7));
    }

    /** With {@code meta} (e.g. on a test clock) and persistent sessions kept for {@code sessionExpiry}. */
    public EmbeddedGateway(int maxInflight, int pullBatch, InMemoryMetaClient meta, java.time.Duration sessionExpiry) {
        this(maxInflight, pullBatch, meta, sessionExpiry, 0, 1 << 20);
    }

    /** With the retained.max and retained.maxPayload limits. */
    public EmbeddedGateway(int maxInflight, int pullBatch, InMemoryMetaClient meta, java.time.Duration sessionExpiry,
                           int retainedMax, int retainedMaxPayload) {
        this(maxInflight, pullBatch, meta, sessionExpiry, retainedMax, retainedMaxPayload, Limits.none());
    }

    /** With the limits.* of {@code limits} (see {@link #limits(java.util.Map)}). */
    public EmbeddedGateway(Limits limits) {
        this(32, 32, new InMemoryMetaClient(), java.time.Duration.ofDays(7), 0, 1 << 20, limits);
    }

    private EmbeddedGateway(int maxInflight, int pullBatch, InMemoryMetaClient meta, java.time.Duration sessionExpiry,
                            int retainedMax, int retainedMaxPayload, Limits limits) {
        this.meta = meta;
        this.index = new SubscriptionIndex(NODE_ID, meta);
        this.dispatcher = new TopicEventDispatcher(index);
        SessionRegistry[] self = new SessionRegistry[1];
        notifyClient = new NotifyClient(NODE_ID, NOTIFY_ADDRESS, new NotifyHandler() {
            @Override
            public void onTopicEvents(List<TopicEvent> events) {
                dispatcher.dispatch(events);
            }

            @Override
            public java.util.concurrent.CompletableFuture<byte[]> onSessionTakeover(String clientId, long epoch) {
                return self[0].handOver(clientId, epoch);
            }

            @Override
            public java.util.concurrent.CompletableFuture<Void> onViewSync(long index) {
                return meta.awaitViewIndex(index);
            }

            @Override
            public java.util.concurrent.CompletableFuture<byte[]> onAdminRequest(byte[] request) {
                return java.util.concurrent.CompletableFuture.failedFuture(
                        new UnsupportedOperationException("no admin API in the embedded gateway"));
            }
        }, counters);
        registry = new SessionRegistry(NODE_ID, meta, notifyClient, sessionExpiry, counters);
        self[0] = registry;
        SessionFactory sessions = new SessionFactory(store, index, meta, registry, maxInflight, pullBatch);
        PublishService publishing = new PublishService(publishStore, meta, java.time.Duration.ofSeconds(1), retainedMax, retainedMaxPayload, false);
        wills = new Wills(NODE_ID, meta, publishing);
        initializer = new MqttChannelInitializer(CONNECT_TIMEOUT_SECONDS, MAX_MESSAGE_SIZE,
                new ConnectHandler(registry, sessions, wills), new PublishHandler(publishing),
                new SubscribeHandler(List.of(DENIED_FILTER), MAX_SUBSCRIPTIONS, limits.topics(), limits.counters()), violations, limits, null);
    }

    /** Limits from limits.* {@code values} (the rest at their defaults), counting into {@code counters}, on {@code nanoClock}. */
    public static Limits limits(java.util.Map<String, String> values, org.rmqtt.common.health.Counters counters,
                                java.util.function.LongSupplier nanoClock) {
        java.util.Map<String, String> all = new java.util.HashMap<>(values);
        all.put("rocketmq.embedded", "true");
        return new Limits(org.rmqtt.common.config.GatewayConfig.of(all), counters, nanoClock);
    }

    /** A new client connection (TCP accepted, nothing sent yet). */
    public EmbeddedClient connect() {
        EmbeddedChannel channel = new EmbeddedChannel();
        initializer.initChannel(asSocketChannel(channel));
        EmbeddedClient client = new EmbeddedClient(channel);
        clients.add(client);
        return client;
    }

    public void dispatch(TopicEvent... events) {
        dispatcher.dispatch(List.of(events));
    }

    /**
     * The initializer is typed for {@link SocketChannel}, which EmbeddedChannel is not; it only
     * needs the channel's attributes and pipeline, so a proxy forwards those to the embedded channel.
     */
    private static SocketChannel asSocketChannel(EmbeddedChannel channel) {
        return (SocketChannel) Proxy.newProxyInstance(SocketChannel.class.getClassLoader(),
                new Class<?>[] {SocketChannel.class}, (proxy, method, args) -> {
                    if (!method.getDeclaringClass().isInstance(channel)) {
                        throw new UnsupportedOperationException("EmbeddedChannel has no " + method);
                    }
                    try {
                        return method.invoke(channel, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public void close() {
        clients.forEach(EmbeddedClient::close);
        notifyClient.close();
    }
}
