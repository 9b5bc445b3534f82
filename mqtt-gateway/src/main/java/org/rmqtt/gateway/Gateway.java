package org.rmqtt.gateway;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.health.OpenFiles;
import org.rmqtt.gateway.notify.CatchUp;
import org.rmqtt.gateway.subscribe.FilterSync;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.admin.AdminServer;
import org.rmqtt.gateway.admin.AdminToken;
import org.rmqtt.gateway.admin.ClusterAdmin;
import org.rmqtt.gateway.admin.LocalClients;
import org.rmqtt.gateway.auth.Security;
import org.rmqtt.gateway.connect.ConnectHandler;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.metrics.GatewayMetrics;
import org.rmqtt.gateway.notify.TopicEventDispatcher;
import org.rmqtt.gateway.limits.FileBudget;
import org.rmqtt.gateway.limits.Limits;
import org.rmqtt.gateway.publish.PublishHandler;
import org.rmqtt.gateway.publish.PublishService;
import org.rmqtt.gateway.server.ListenerInitializer;
import org.rmqtt.gateway.server.ListenerInitializer.Transport;
import org.rmqtt.gateway.server.MqttChannelInitializer;
import org.rmqtt.gateway.server.MqttServer;
import org.rmqtt.gateway.session.SessionFactory;
import org.rmqtt.gateway.session.SessionRegistry;
import org.rmqtt.gateway.subscribe.SubscribeHandler;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.gateway.tls.ReloadableSslContext;
import org.rmqtt.gateway.will.Wills;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.client.RatisMetaClient;
import org.rmqtt.store.CoalescingMessageStore;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.embedded.EmbeddedRocketMq;
import org.rmqtt.store.embedded.InProcessMessageStore;
import org.rmqtt.store.embedded.InProcessNotifier;
import org.rmqtt.store.notify.NotifyClient;
import org.rmqtt.store.notify.NotifyHandler;
import org.rmqtt.store.notify.NotifyServer;
import org.rmqtt.store.notify.Notifier;
import org.rmqtt.store.rocketmq.RocketMqMessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway node, wired by constructor: store, notify endpoint, MQTT listener, notifier.
 * {@link #start} starts them in that order and {@link #close} stops them in reverse.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final long HEARTBEAT_SECONDS = 10;
    /** How often the live nodes are compared with the last look, for the wills of nodes that died. */
    private static final long WILL_WATCH_MILLIS = 1_000;
    /** Reads of the in-process store (they may touch the disk, so not on event loops). */
    private static final int STORE_READ_THREADS = 2;

    private final GatewayConfig config;
    private final MetaClient meta;
    private final Counters counters = new Counters();
    /** Fault tests only: events this node drops as if they were lost on the way. */
    private final Predicate<TopicEvent> loseEvent;
    /** The broker in this process, or null; with rocketmq.embedded.inProcess its store is used directly. */
    private final EmbeddedRocketMq embedded;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private InetSocketAddress mqttAddress;
    private InetSocketAddress tlsAddress;
    private InetSocketAddress wsAddress;
    private InetSocketAddress wssAddress;
    private int notifyPort;
    private int adminPort = -1;
    private SessionRegistry registry;
    private final ViolationCounters violations = new ViolationCounters();
    private final GatewayMetrics metrics;

    public Gateway(GatewayConfig config, MetaClient meta) {
        this(config, meta, null, event -> false);
    }

    /**
     * A gateway in the process of {@code embedded}: with {@code rocketmq.embedded.inProcess} it
     * writes to, reads from and learns of messages from that broker's store without remoting.
     */
    public Gateway(GatewayConfig config, MetaClient meta, EmbeddedRocketMq embedded) {
        this(config, meta, embedded, event -> false);
    }

    /** For fault tests: {@code loseEvent} picks notify events to drop on arrival. */
    Gateway(GatewayConfig config, MetaClient meta, EmbeddedRocketMq embedded, Predicate<TopicEvent> loseEvent) {
        this.config = config;
        this.meta = meta;
        this.embedded = embedded;
        this.loseEvent = loseEvent;
        this.metrics = new GatewayMetrics(config.nodeId());
        metrics.bindViolations(violations);
        if (meta instanceof RatisMetaClient ratis) {
            metrics.bindHealth(counters, ratis.counters());
            ratis.callListener(metrics.metaCallListener());
        } else {
            metrics.bindHealth(counters);
        }
    }

    public void start() {
        try {
            doStart();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void doStart() {
        String nodeId = config.nodeId();
        String instance = nodeId.replaceAll("[^A-Za-z0-9_-]", "_");
        TopicMapper mapper = config.topicMapper();

        // Without the dispatch plug-in (tests playing an external broker) backend messages need the notifier's redispatch.
        boolean inProcess = embedded != null && config.embeddedInProcess() && embedded.dispatchPlugin();
        MessageStore store;
        if (inProcess) {
            InProcessMessageStore local = InProcessMessageStore.on(embedded, mapper, STORE_READ_THREADS);
            started.push(local);
            store = local;
        } else {
            RocketMqMessageStore remote = new RocketMqMessageStore(config.namesrv(), instance, mapper, config.brokerPlugin());
            started.push(remote);
            remote.start();
            remote.requireRoute(config.redispatchTopic());
            store = remote;
        }
        MessageStore timedStore = metrics.timed(store);
        if (embedded != null) {
            metrics.bindEmbeddedBroker(embedded::consumeQueueCount, embedded::consumeQueueLimit);
        }

        SubscriptionIndex[] indexRef = new SubscriptionIndex[1];
        LocalClients[] localClientsRef = new LocalClients[1];
        NotifyHandler handler = new NotifyHandler() {
            private final TopicEventDispatcher dispatcher = new TopicEventDispatcher(() -> indexRef[0]);

            @Override
            public void onTopicEvents(List<TopicEvent> events) {
                counters.add(Counters.Name.NOTIFY_EVENTS_RECEIVED, events.size());
                dispatcher.dispatch(events.stream().filter(e -> !loseEvent.test(e)).toList());
            }

            @Override
            public CompletableFuture<byte[]> onSessionTakeover(String clientId, long epoch) {
                return registry.handOver(clientId, epoch);
            }

            @Override
            public CompletableFuture<Void> onViewSync(long index) {
                return meta.awaitViewIndex(index).orTimeout(config.subscribeSyncTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public CompletableFuture<byte[]> onAdminRequest(byte[] request) {
                LocalClients clients = localClientsRef[0];
                return clients == null ? CompletableFuture.failedFuture(new IllegalStateException("starting"))
                        : clients.onRequest(request);
            }
        };
        if (config.metaEmbedded()) {
            // The meta peer is private to this process, so no other gateway can be a member: every
            // notify call is to this node, which NotifyClient makes directly. Nothing to listen for.
            notifyPort = config.notifyPort();
        } else {
            NotifyServer notifyServer = new NotifyServer(config.notifyHost(), config.notifyPort(), handler,
                    id -> id.equals(nodeId) || meta.node(id).isPresent(), counters);
            started.push(notifyServer);
            notifyServer.start();
            notifyPort = notifyServer.port();
        }
        String notifyAddress = config.notifyHost() + ":" + notifyPort;
        NotifyClient notifyClient = new NotifyClient(nodeId, notifyAddress, handler, counters,
                config.notifyInlineBatchBytes(), config.notifyLinger());
        started.push(notifyClient);
        notifyClient.start();
        SubscriptionIndex index = new SubscriptionIndex(nodeId, meta,
                new FilterSync(nodeId, meta, notifyClient, config.subscribeSyncTimeout(), counters));
        indexRef[0] = index;

        registry = new SessionRegistry(nodeId, meta, notifyClient, config.sessionExpiry(), counters);
        metrics.bindSessions(registry, index);
        localClientsRef[0] = new LocalClients(nodeId, registry);
        MessageStore sharedReads = new CoalescingMessageStore(timedStore, 64L << 20, Duration.ofSeconds(1));
        SessionFactory sessions = new SessionFactory(sharedReads, index, meta, registry, config.maxInflight(),
                config.pullBatch());

        Security security = Security.fromConfig(config, counters);
        started.push(security);
        PublishService publishing = new PublishService(timedStore, meta, config.subscribeSyncTimeout(), config.retainedMax(),
                config.retainedMaxPayload(), config.allowDollarTopics(), security.authorizer(), config.maxStoringPerClient(),
                config.maxStoringBytesPerClient(), counters);
        Wills wills = new Wills(nodeId, meta, publishing);
        // A node restarting under its id first drops what meta still holds from its last life
        // (its claims: the persistent sessions it held resume from their last checkpoint), and
        // publishes the wills of the connections it had then.
        meta.leave(nodeId).join();
        try {
            wills.publishLeftBehind().get(config.metaTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Could not publish the wills left by the last run of {}; another gateway may: {}", nodeId, e.toString());
        }
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rmqtt-timers");
            t.setDaemon(true);
            return t;
        });
        // Stopped last of these: sessions are saved (below) before the node leaves meta.
        started.push(() -> {
            timers.shutdownNow();
            meta.leave(nodeId).get(config.metaTimeout().toMillis(), TimeUnit.MILLISECONDS);
        });
        started.push(() -> registry.awaitWrites(config.metaTimeout()));
        started.push(() -> wills.awaitPending(config.metaTimeout()));
        long queueFiles = embedded != null && embedded.consumeQueuesInFiles() ? embedded.consumeQueueLimit() : 0;
        Limits limits = new Limits(config, counters,
                FileBudget.maxConnections(config.maxConnections(), OpenFiles.limit(), queueFiles));
        metrics.bindConnectionLimit(limits.maxConnections());
        MqttServer server = new MqttServer();
        started.push(server);
        MqttChannelInitializer mqtt = new MqttChannelInitializer(
                config.connectTimeoutSeconds(), config.maxMessageSize(),
                new ConnectHandler(registry, sessions, wills, security), new PublishHandler(publishing),
                new SubscribeHandler(config.subscribeDeny(), config.maxSubscriptionsPerSession(), limits.topics(), counters,
                        security.authorizer()),
                violations, limits, metrics);
        ReloadableSslContext tls = config.tlsEnabled() || config.wssEnabled()
                ? ReloadableSslContext.load(ReloadableSslContext.Settings.of(config)) : null;
        mqttAddress = bind(server, Transport.TCP, config.mqttHost(), config.mqttPort(), tls, mqtt);
        if (config.tlsEnabled()) {
            tlsAddress = bind(server, Transport.TLS, config.tlsHost(), config.tlsPort(), tls, mqtt);
        }
        if (config.wsEnabled()) {
            wsAddress = bind(server, Transport.WS, config.wsHost(), config.wsPort(), tls, mqtt);
        }
        if (config.wssEnabled()) {
            wssAddress = bind(server, Transport.WSS, config.wssHost(), config.wssPort(), tls, mqtt);
        }
        if (tls != null && !config.tlsReloadInterval().isZero()) {
            long reloadMillis = config.tlsReloadInterval().toMillis();
            timers.scheduleWithFixedDelay(tls::reloadIfChanged, reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
        }

        GatewayNode self = new GatewayNode(nodeId, notifyAddress, config.mqttHost() + ":" + mqttAddress.getPort());
        meta.heartbeat(self).join();
        timers.scheduleAtFixedRate(() -> heartbeat(self, index, wills), HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
        long catchUpMillis = config.catchUp().toMillis();
        timers.scheduleWithFixedDelay(new CatchUp(index, sharedReads, counters), catchUpMillis, catchUpMillis,
                TimeUnit.MILLISECONDS);
        long checkpointMillis = config.checkpointInterval().toMillis();
        timers.scheduleWithFixedDelay(registry::checkpoint, checkpointMillis, checkpointMillis, TimeUnit.MILLISECONDS);
        // A view read each time; meta is written only when a node went away.
        timers.scheduleWithFixedDelay(wills::collectOrphans, 0, WILL_WATCH_MILLIS, TimeUnit.MILLISECONDS);

        if (inProcess) {
            started.push(embedded.notifier().listen(mapper.rocketTopics(), new InProcessNotifier.Listener() {
                @Override
                public void onStored(List<TopicEvent> events) {
                    // To this node directly; to any other node with a matching subscription as the notifier would.
                    Map<String, List<TopicEvent>> byNode = new HashMap<>();
                    for (TopicEvent event : events) {
                        for (String address : notifyAddresses(meta.nodesMatching(event.topic()))) {
                            byNode.computeIfAbsent(address, a -> new ArrayList<>()).add(event);
                        }
                    }
                    byNode.forEach(notifyClient::sendAll);
                }

                @Override
                public void onBackendRetained(String topic, byte[] payload, int qos) {
                    publishing.retainFromBackend(topic, payload, qos, config.metaTimeout());
                }

                @Override
                public boolean onStoredNow(TopicEvent event) {
                    // Only this node concerned: matching and waking its sessions never blocks (views
                    // are local, sessions only enqueue), so the event needs no thread of its own. An
                    // RPC to another node could block; such events take the listener's thread.
                    Set<String> nodes = meta.nodesMatching(event.topic());
                    if (nodes.isEmpty()) {
                        return true;
                    }
                    if (nodes.size() == 1 && nodes.contains(nodeId)) {
                        handler.onTopicEvents(List.of(event));
                        return true;
                    }
                    return false;
                }
            }));
        } else {
            Notifier notifier = new Notifier(config.namesrv(), config.notifierGroup(), instance, mapper.rocketTopics(),
                    config.redispatchTopic(), topic -> notifyAddresses(meta.nodesMatching(topic)),
                    meta::matchingWildcardFilters, notifyClient,
                    (topic, payload, qos) -> publishing.retainFromBackend(topic, payload, qos, config.metaTimeout()));
            notifier.lagListener(metrics.notifyLagRecorder());
            notifier.inlineMessagesUpTo(config.notifyInlineMaxBytes());
            started.push(notifier);
            notifier.start();
        }
        if (config.adminEnabled()) {
            // Started last, stopped first: it reports on everything above.
            AdminToken token = config.adminTokenFile().isEmpty() ? null : AdminToken.read(java.nio.file.Path.of(config.adminTokenFile()));
            ClusterAdmin admin = new ClusterAdmin(nodeId, meta, notifyClient, store, publishing, mapper, server::listening,
                    config.metaTimeout());
            AdminServer adminServer = new AdminServer(admin, token, metrics::scrape);
            started.push(adminServer);
            adminPort = adminServer.bind(config.adminHost(), config.adminPort()).getPort();
        }
        LOG.info("Gateway {} ready: MQTT on {}, notify {}, RocketMQ {}{}", nodeId, self.mqttAddress(),
                config.metaEmbedded() ? "within this process (embedded meta)" : "on " + notifyAddress,
                config.namesrv(), inProcess ? " (in this process, used directly)" : "");
    }

    /**
     * Renews the lease. A node whose lease expired (a long pause, meta unreachable) lost its
     * session claims in meta, and after one more lease its filters: it registers them again, or
     * no events and wildcard dispatch would reach it, its sessions' saves would be refused and
     * takeovers would not find it. Meanwhile its sessions read on through the catch-up.
     */
    private void heartbeat(GatewayNode self, SubscriptionIndex index, Wills wills) {
        boolean expired = meta.node(self.id()).isEmpty();
        meta.heartbeat(self).thenRun(() -> {
            if (expired) {
                LOG.warn("Gateway {} had lost its meta lease; confirming its {} filters and registering {} session claims"
                        + " and their wills again (wills in meta may have been published by another gateway meanwhile)",
                        self.id(), index.filterCount(), registry.connectedCount());
                index.filters().forEach(filter -> meta.addFilter(self.id(), filter));
                registry.reclaimAll();
                wills.storeAgain();
            }
        }).exceptionally(e -> {
            LOG.warn("Heartbeat to meta failed: {}", e.getMessage());
            return null;
        });
    }

    private InetSocketAddress bind(MqttServer server, Transport transport, String host, int port, ReloadableSslContext tls,
                                   MqttChannelInitializer mqtt) {
        return server.bind(transport.description(), host, port, new ListenerInitializer(transport, tls,
                config.tlsHandshakeTimeout(), config.wsPath(), config.maxMessageSize(), mqtt));
    }

    private Collection<String> notifyAddresses(Collection<String> nodeIds) {
        return nodeIds.stream().map(meta::node).flatMap(Optional::stream).map(GatewayNode::notifyAddress).toList();
    }

    /** What went wrong and how often: dropped and retried events, refused requests, catch-up wake-ups. */
    public Counters counters() {
        return counters;
    }

    public String nodeId() {
        return config.nodeId();
    }

    public int mqttPort() {
        return mqttAddress.getPort();
    }

    /** The port of the MQTT-over-TLS listener; only with mqtt.tls.enabled=true. */
    public int tlsPort() {
        return port(tlsAddress, "mqtt.tls.enabled");
    }

    /** The port of the MQTT-over-WebSocket listener (ws://); only with mqtt.ws.enabled=true. */
    public int wsPort() {
        return port(wsAddress, "mqtt.ws.enabled");
    }

    /** The port of the MQTT-over-secure-WebSocket listener (wss://); only with mqtt.wss.enabled=true. */
    public int wssPort() {
        return port(wssAddress, "mqtt.wss.enabled");
    }

    private static int port(InetSocketAddress address, String key) {
        if (address == null) {
            throw new IllegalStateException("this listener is not running (" + key + "=false)");
        }
        return address.getPort();
    }

    /** The sessions connected to this node (tests, admin). */
    public java.util.List<org.rmqtt.gateway.session.Session> connectedSessions() {
        return registry.connected();
    }

    /** Connections closed for breaking the protocol, per reason. */
    public ViolationCounters violations() {
        return violations;
    }

    /** This node's Prometheus metrics; {@code /metrics} serves {@link GatewayMetrics#scrape()}. */
    public GatewayMetrics metrics() {
        return metrics;
    }


    public int notifyPort() {
        return notifyPort;
    }

    /** The admin API's port; -1 when admin.enabled=false. */
    public int adminPort() {
        return adminPort;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("Error while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
        metrics.close();
    }
}
