package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.meta.InMemoryMetaClient;
import org.rmqtt.store.StoreException;

/** Start-up fails fast, with a message that says what to fix, and leaves nothing listening. */
class StartupFailureIT {
    @TempDir
    Path dataDir;

    @Test
    void unreachableRocketMqStopsStartUpWithTheReason() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // closed again: nothing listens there
        }
        int mqttPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            mqttPort = s.getLocalPort();
        }
        GatewayConfig config = GatewayConfig.of(Map.of(
                "data.dir", dataDir.toString(),
                "mqtt.host", "127.0.0.1",
                "mqtt.port", Integer.toString(mqttPort),
                "notify.host", "127.0.0.1",
                "notify.port", "0",
                "admin.port", "0",
                "rocketmq.namesrv", "127.0.0.1:" + deadPort));
        Gateway gateway = new Gateway(config, new InMemoryMetaClient());
        assertThatThrownBy(gateway::start)
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("mqtt_default")
                .hasMessageContaining("127.0.0.1:" + deadPort)
                .hasMessageContaining("is RocketMQ reachable");
        // Nothing was left listening on the MQTT port.
        try (ServerSocket s = new ServerSocket(mqttPort, 1, InetAddress.getLoopbackAddress())) {
            s.getLocalPort();
        }
    }
}
