package org.rmqtt.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.rmqtt.bench.load.LoadResult;
import org.rmqtt.bench.load.Sink;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.meta.InMemoryMetaClient;
import org.rmqtt.store.embedded.EmbeddedRocketMq;
import org.rmqtt.store.embedded.SharedRocketMq;
import org.rmqtt.store.plugin.LmqDispatchPlugin;
import picocli.CommandLine;

/**
 * Keeps the benchmark working: each scenario for about ten seconds against a running server,
 * asserting only that the counts add up (nothing lost at QoS 1, nothing failed), never a speed.
 *
 * <p>Against {@code -Dbench.smoke.port=N} on 127.0.0.1 (override the host with
 * {@code bench.smoke.host}; the backend scenario also needs {@code -Dbench.smoke.namesrv=host:port}
 * and optionally {@code bench.smoke.topic}, default mqtt_default) when given; otherwise, as in CI,
 * against a gateway started here on an embedded RocketMQ.
 */
class BenchSmokeIT {
    private static Gateway gateway;

    @BeforeAll
    static void server() {
        if (System.getProperty("bench.smoke.port") != null) {
            return;
        }
        EmbeddedRocketMq rocketMq = SharedRocketMq.get();
        InMemoryMetaClient meta = new InMemoryMetaClient();
        LmqDispatchPlugin.useWildcardFilters(meta::matchingWildcardFilters);
        gateway = new Gateway(GatewayConfig.of(Map.of(
                "node.id", "bench-smoke",
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "notify.host", "127.0.0.1",
                "notify.port", "0",
                "admin.port", "0",
                "auth.chain", "anonymous",
                "rocketmq.namesrv", rocketMq.namesrvAddress())), meta);
        gateway.start();
        System.setProperty("bench.smoke.port", Integer.toString(gateway.mqttPort()));
        System.setProperty("bench.smoke.namesrv", rocketMq.namesrvAddress());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
            System.clearProperty("bench.smoke.port");
            System.clearProperty("bench.smoke.namesrv");
        }
    }

    private static List<String> common(String... args) {
        List<String> all = new ArrayList<>(List.of(
            "--host", System.getProperty("bench.smoke.host", "127.0.0.1"),
            "--port", System.getProperty("bench.smoke.port"),
            "--quiet"));
        all.addAll(Arrays.asList(args));
        return all;
    }

    private static <T> T parse(T command, List<String> args) {
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command;
    }

    private static void assertCountsAddUp(LoadResult result) {
        assertThat(result.attempted()).as("sent something").isPositive();
        assertThat(result.failed()).as("failed sends; first: %s", result.summary()).isZero();
        assertThat(result.unresolved()).as("sends never confirmed").isZero();
        assertThat(result.confirmed()).isEqualTo(result.attempted());
        assertThat(result.totals().lost()).as("confirmed QoS 1 messages lost:%n%s", result.summary()).isZero();
        assertThat(result.totals().unique()).isEqualTo(result.totals().expected());
        assertThat(result.totals().unexpected()).as("messages routed to the wrong subscriber").isZero();
        for (Sink.SinkReport sink : result.sinks()) {
            assertThat(sink.lost()).as(sink.name()).isZero();
        }
    }

    @Test
    void pubsubAtQos1DeliversEveryConfirmedMessage() throws Exception {
        PubSubCommand pubsub = parse(new PubSubCommand(), common(
            "-P", "2", "-S", "2", "-T", "2", "--qos", "1", "--rate", "500", "--warmup", "2s", "--duration", "8s"));

        LoadResult result = pubsub.measure();

        assertCountsAddUp(result);
        assertThat(result.totals().expected()).isEqualTo(result.confirmed());
    }

    @Test
    void pubsubWithDevicesThatPublishAndSubscribeOnOneConnection() throws Exception {
        PubSubCommand pubsub = parse(new PubSubCommand(), common(
            "--devices", "-P", "4", "-S", "4", "-T", "4", "--qos", "1", "--rate", "200", "--warmup", "2s", "--duration", "6s"));

        LoadResult result = pubsub.measure();

        assertCountsAddUp(result);
        assertThat(result.totals().expected()).as("each message reaches the one neighbouring device").isEqualTo(result.confirmed());
    }

    @Test
    void fanoutThroughAWildcardAtQos1ReachesEverySubscriber() throws Exception {
        FanoutCommand fanout = parse(new FanoutCommand(), common(
            "-S", "50", "--filter", "hash", "--qos", "1", "--rate", "20", "--warmup", "2s", "--duration", "8s"));

        LoadResult result = fanout.measure();

        assertCountsAddUp(result);
        assertThat(result.totals().expected()).isEqualTo(50 * result.confirmed());
    }

    @Test
    void connOpensAndHoldsEveryConnection() throws Exception {
        ConnCommand conn = parse(new ConnCommand(), common("--connections", "200", "--connect-rate", "100", "--hold", "8s"));

        ConnCommand.ConnResult result = conn.run();

        assertThat(result.connected()).as(result.summary()).isEqualTo(200);
        assertThat(result.failed()).isZero();
        assertThat(result.openAfterHold()).as("dropped during the hold").isEqualTo(200);
    }

    @Test
    void connWithPersistentSessionsDroppedAtOnceThenNewClientsConnect() throws Exception {
        ConnCommand conn = parse(new ConnCommand(), common("--connections", "100", "--connect-rate", "200", "--hold", "1s",
            "--persistent", "--close", "drop", "--probes", "3", "--probe-interval", "50ms"));

        ConnCommand.ConnResult result = conn.run();

        assertThat(result.connected()).as(result.summary()).isEqualTo(100);
        assertThat(result.closedCount()).isEqualTo(100);
        assertThat(result.probe().connected()).as(result.summary()).isEqualTo(3);
        assertThat(result.toJson().get("parameters")).asString().contains("clean_session=false", "close=drop");
    }

    @Test
    void backendBothWaysAtQos1LosesNothing() throws Exception {
        Assumptions.assumeTrue(System.getProperty("bench.smoke.namesrv") != null, "no name server to reach");
        BackendCommand backend = parse(new BackendCommand(), common(
            "--namesrv", System.getProperty("bench.smoke.namesrv"),
            "--topic", System.getProperty("bench.smoke.topic", "mqtt_default"),
            "--qos", "1", "--rate", "200", "--warmup", "1s", "--duration", "4s"));

        List<LoadResult> results = backend.measure(MqttLoad.newRunId());

        assertThat(results).hasSize(2);
        results.forEach(BenchSmokeIT::assertCountsAddUp);
    }
}
