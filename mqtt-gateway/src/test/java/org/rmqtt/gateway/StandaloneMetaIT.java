package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.common.config.ConfigException;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.gateway.MqttTestClient.Received;

/**
 * The launcher's wiring with a real embedded meta peer (Ratis + RocksDB under data.dir), on the
 * JVM's shared broker: wildcard dispatch and session registry go through meta, and a restart on
 * the same data directory comes back clean.
 */
class StandaloneMetaIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    private GatewayConfig config(int mqttPort) {
        return GatewayConfig.of(Map.of(
                "node.id", "standalone-it",
                "data.dir", dataDir.toString(),
                "mqtt.host", "127.0.0.1",
                "mqtt.port", Integer.toString(mqttPort),
                "notify.host", "127.0.0.1",
                "notify.port", "0",
                "admin.port", "0",
                "meta.embedded", "true",
                "auth.chain", "anonymous",
                "rocketmq.namesrv", TestGateways.rocketMq().namesrvAddress()));
    }

    @Test
    void wildcardDeliveryAndTakeoverWorkThroughEmbeddedMetaAcrossARestart() throws Exception {
        int port = freePort();
        for (int run = 0; run < 2; run++) {
            Runnable stop = StandaloneMain.start(config(port));
            try {
                String root = "standalone" + run + System.nanoTime();
                try (MqttTestClient sub = new MqttTestClient(port, "sub-" + root, 10);
                     MqttTestClient pub = new MqttTestClient(port)) {
                    sub.subscribe(root + "/+/t", 1);
                    pub.publish(root + "/a/t", "run" + run, 1);
                    assertThat(sub.collect(root, 1, WAIT)).extracting(Received::payload).containsExactly("run" + run);
                    try (MqttTestClient again = new MqttTestClient(port, "sub-" + root, 10)) {
                        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !sub.isConnected());
                        assertThat(again.isConnected()).isTrue();
                    }
                }
            } finally {
                stop.run();
            }
        }
    }

    /** With its own meta no other gateway can join, so the gateway does not listen on notify.port. */
    @Test
    void aGatewayWithTheEmbeddedMetaOpensNoNotifyPort() throws Exception {
        int notifyPort = freePort();
        Runnable stop = StandaloneMain.start(config(freePort()).with(Map.of("notify.port", Integer.toString(notifyPort))));
        try (ServerSocket free = new ServerSocket(notifyPort, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(free.isBound()).isTrue();
        } finally {
            stop.run();
        }
    }

    /** Either flush mode of the embedded meta peer keeps a session across a clean restart. */
    @ParameterizedTest(name = "meta.embedded.flush={0}")
    @ValueSource(strings = {"sync", "async"})
    void aPersistentSessionSurvivesACleanRestartWithWhatWasPublishedBeforeIt(String flush) throws Exception {
        int port = freePort();
        String root = "restart" + System.nanoTime();
        String clientId = "persist-" + root;
        GatewayConfig config = config(port).with(Map.of("meta.embedded.flush", flush));
        Runnable stop = StandaloneMain.start(config);
        try {
            try (MqttTestClient sub = new MqttTestClient(port, clientId, 10, false)) {
                assertThat(sub.sessionPresent()).isFalse();
                sub.subscribe(root + "/#", 1);
            }
            try (MqttTestClient pub = new MqttTestClient(port)) {
                for (int i = 0; i < 10; i++) {
                    pub.publish(root + "/t", "before-" + i, 1);
                }
            }
        } finally {
            stop.run();
        }
        stop = StandaloneMain.start(config);
        try (MqttTestClient sub = new MqttTestClient(port, clientId, 10, false)) {
            assertThat(sub.sessionPresent()).isTrue();
            assertThat(sub.collect(root, 10, WAIT)).extracting(Received::payload)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 10).mapToObj(i -> "before-" + i).toList());
        } finally {
            stop.run();
        }
    }

    @Test
    void badMetaPeersStopStartUpNamingTheKey() {
        GatewayConfig bad = config(0).with(Map.of("meta.embedded", "false", "meta.peers", "not a peer list"));
        assertThatThrownBy(() -> StandaloneMain.start(bad)).isInstanceOf(ConfigException.class).hasMessageStartingWith("meta.peers:");
        assertThatThrownBy(() -> StandaloneMain.start(config(0).with(Map.of("meta.embedded", "false"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("meta.peers:");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
