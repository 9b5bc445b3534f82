package org.rmqtt.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.meta.InMemoryMetaClient;
import org.rmqtt.store.embedded.EmbeddedRocketMq;
import org.rmqtt.store.embedded.SharedRocketMq;
import org.rmqtt.store.plugin.LmqDispatchPlugin;

/**
 * Gateways for integration tests: all on the JVM's shared embedded RocketMQ and one shared meta,
 * as the nodes of one cluster. Everything binds to 127.0.0.1 on free ports.
 */
public final class TestGateways {
    private static final InMemoryMetaClient META = new InMemoryMetaClient();

    static {
        LmqDispatchPlugin.useWildcardFilters(META::matchingWildcardFilters);
    }

    private TestGateways() {
    }

    public static EmbeddedRocketMq rocketMq() {
        return SharedRocketMq.get();
    }

    public static InMemoryMetaClient meta() {
        return META;
    }

    public static Gateway start() {
        return start(META);
    }

    /** A gateway of the cluster that {@code meta} serves. */
    public static Gateway start(org.rmqtt.meta.MetaClient meta) {
        return start(meta, Map.of());
    }

    /** A gateway of the shared cluster, with some configuration keys changed. */
    public static Gateway start(Map<String, String> overrides) {
        return start(META, overrides);
    }

    /** A gateway of the cluster that {@code meta} serves, with some settings changed (e.g. node.id). */
    public static Gateway start(org.rmqtt.meta.MetaClient meta, Map<String, String> overrides) {
        return start(meta, overrides, null, event -> false);
    }

    /**
     * A gateway in the process of the shared broker that uses its store directly, as the
     * standalone does (rocketmq.embedded.inProcess): no remoting to the broker, events from the
     * store's dispatch. Other gateways of the shared cluster still get their events by notify RPC.
     */
    public static Gateway startInProcess(Map<String, String> overrides) {
        return start(META, overrides, rocketMq(), event -> false);
    }

    /** A gateway that drops the notify events {@code loseEvent} picks, as if they were lost on the way. */
    static Gateway start(org.rmqtt.meta.MetaClient meta,
                         java.util.function.Predicate<org.rmqtt.common.notify.TopicEvent> loseEvent) {
        return start(meta, Map.of(), null, loseEvent);
    }

    private static Gateway start(org.rmqtt.meta.MetaClient meta, Map<String, String> overrides, EmbeddedRocketMq embedded,
                                 java.util.function.Predicate<org.rmqtt.common.notify.TopicEvent> loseEvent) {
        try {
            Path dataDir = Files.createTempDirectory("rmqtt-gw-");
            dataDir.toFile().deleteOnExit();
            GatewayConfig config = GatewayConfig.of(Map.ofEntries(
                    Map.entry("node.id", "node-" + UUID.randomUUID().toString().substring(0, 8)),
                    Map.entry("data.dir", dataDir.toString()),
                    Map.entry("mqtt.host", "127.0.0.1"),
                    Map.entry("mqtt.port", "0"),
                    Map.entry("notify.host", "127.0.0.1"),
                    Map.entry("notify.port", "0"),
                    Map.entry("admin.port", "0"),
                    Map.entry("rocketmq.namesrv", rocketMq().namesrvAddress()),
                    Map.entry("topic.rules", "sensors/#=sensors"),
                    Map.entry("auth.chain", "anonymous"),
                    Map.entry("rocketmq.dispatchPlugin", Boolean.toString(SharedRocketMq.WITH_PLUGIN)))).with(overrides);
            Gateway gateway = new Gateway(config, meta, embedded, loseEvent);
            gateway.start();
            return gateway;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
