package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.meta.client.RatisMetaClient;

/**
 * Sessions across two gateways that share a real 3-peer Ratis meta and the JVM's RocketMQ: a
 * persistent session moves between gateways with what it missed, and a clientId connecting to
 * both at once ends with exactly one connection.
 */
class ClusterSessionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path metaDir;

    private static RatisMetaCluster cluster;
    private static RatisMetaClient metaA;
    private static RatisMetaClient metaB;
    private static Gateway a;
    private static Gateway b;

    @BeforeAll
    static void startCluster() {
        cluster = new RatisMetaCluster(metaDir);
        metaA = cluster.newClient();
        metaB = cluster.newClient();
        a = TestGateways.start(metaA);
        b = TestGateways.start(metaB);
    }

    @AfterAll
    static void stopCluster() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, cluster}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void aPersistentSessionResumesOnTheOtherGatewayWithEverythingPublishedWhileAway() throws Exception {
        String root = "cluster-" + System.nanoTime();
        String exact = root + "/exact";
        String wildcard = root + "/+/w";
        String clientId = "roamer-" + System.nanoTime();
        try (MqttTestClient first = new MqttTestClient(a.mqttPort(), clientId, 100, false)) {
            assertThat(first.sessionPresent()).isFalse();
            first.subscribe(exact, 1);
            first.subscribe(wildcard, 1);
        }
        // The session's filter stays in use while it is offline; B dispatches to it from the SUBACK on.
        try (MqttTestClient pub = new MqttTestClient(b.mqttPort())) {
            for (int i = 0; i < 20; i++) {
                pub.publish(i % 2 == 0 ? exact : root + "/d" + i + "/w", "away-" + i, 1);
            }
        }

        try (MqttTestClient again = new MqttTestClient(b.mqttPort(), clientId, 100, false)) {
            assertThat(again.sessionPresent()).isTrue();
            List<Received> got = again.collect(root, 20, WAIT);
            assertThat(got).extracting(Received::payload)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).mapToObj(i -> "away-" + i).toList());
            // Order holds per topic (each filter's LMQ is read in order; filters interleave).
            assertThat(got.stream().filter(r -> r.topic().equals(exact)).map(Received::payload).toList())
                    .containsExactlyElementsOf(IntStream.range(0, 20).filter(i -> i % 2 == 0).mapToObj(i -> "away-" + i).toList());
            assertThat(got).allSatisfy(r -> assertThat(r.qos()).isEqualTo(1));

            // And it keeps its subscriptions for what comes next, without subscribing again.
            try (MqttTestClient pub = new MqttTestClient(a.mqttPort())) {
                pub.publish(exact, "live", 1);
            }
            assertThat(again.collect(root, 1, WAIT)).extracting(Received::payload).containsExactly("live");
        }
    }

    @Test
    void aLiveSessionTakenOverFromTheOtherGatewayBringsItsUnacknowledgedMessages() throws Exception {
        String topic = "handover-" + System.nanoTime() + "/t";
        String clientId = "mover-" + System.nanoTime();
        try (MqttTestClient onA = new MqttTestClient(a.mqttPort(), clientId, 100, false);
             MqttTestClient pub = new MqttTestClient(b.mqttPort())) {
            onA.paho().setManualAcks(true); // receives, never acknowledges
            onA.subscribe(topic, 1);
            for (int i = 0; i < 3; i++) {
                pub.publish(topic, "unacked-" + i, 1);
            }
            assertThat(onA.collect(topic, 3, WAIT)).extracting(Received::payload)
                    .containsExactly("unacked-0", "unacked-1", "unacked-2");

            // The same client connects to B while its connection to A is still open.
            try (MqttTestClient onB = new MqttTestClient(b.mqttPort(), clientId, 100, false)) {
                assertThat(onB.sessionPresent()).isTrue();
                await().atMost(WAIT).until(() -> !onA.isConnected());
                List<Received> again = onB.collect(topic, 3, WAIT);
                assertThat(again).extracting(Received::payload).containsExactly("unacked-0", "unacked-1", "unacked-2");
                assertThat(again).allSatisfy(r -> assertThat(r.duplicate()).isTrue());
            }
        }
    }

    @Test
    void aClientIdConnectingToBothGatewaysAtOnceEndsWithExactlyOneConnection() throws Exception {
        for (int round = 0; round < 50; round++) {
            String clientId = "race-" + round + "-" + System.nanoTime();
            boolean clean = round % 2 == 0;
            List<CompletableFuture<MqttTestClient>> connects = new ArrayList<>();
            for (Gateway g : List.of(a, b)) {
                connects.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return new MqttTestClient(g.mqttPort(), clientId, 10, clean);
                    } catch (IllegalStateException refused) {
                        return null; // closed before its CONNACK: it lost the race early
                    }
                }));
            }
            List<MqttTestClient> clients = connects.stream().map(CompletableFuture::join).toList();
            try {
                int r = round;
                await().atMost(WAIT).untilAsserted(() -> assertThat(clients.stream()
                        .filter(c -> c != null && c.isConnected()).count()).as("round %d", r).isEqualTo(1));
            } finally {
                clients.stream().filter(c -> c != null).forEach(MqttTestClient::close);
            }
        }
    }
}
