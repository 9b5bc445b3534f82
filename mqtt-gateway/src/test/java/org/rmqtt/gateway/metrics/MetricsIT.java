package org.rmqtt.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.TestGateways;
import org.rmqtt.store.TestNames;

/** One real gateway's scrape after real clients connected, published, subscribed and misbehaved. */
class MetricsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        // Messages carried by their notify events need no pull; this test wants the pull timer to move.
        gateway = TestGateways.start(java.util.Map.of("notify.inlineMaxBytes", "0"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static Scrape scrape() {
        return new Scrape(gateway.metrics().scrape());
    }

    @Test
    void countersMoveWithTheTraffic() throws Exception {
        String topic = TestNames.unique("m") + "/t";
        try (MqttTestClient sub = new MqttTestClient(gateway.mqttPort());
             MqttTestClient pub = new MqttTestClient(gateway.mqttPort())) {
            sub.subscribe(topic, 2);
            pub.publish(topic, "q0", 0);
            pub.publish(topic, "q1", 1);
            pub.publish(topic, "q2", 2);
            List<Received> got = sub.collect(topic, 3, WAIT);
            assertThat(got).extracting(Received::qos).containsExactlyInAnyOrder(0, 1, 2);

            Scrape s = scrape();
            assertThat(s.value("mqtt_connections")).isEqualTo(2);
            assertThat(s.value("mqtt_connects_total", "result=\"accepted\"")).isEqualTo(2);
            assertThat(s.value("mqtt_sessions", "type=\"clean\"")).isEqualTo(2);
            assertThat(s.value("mqtt_subscriptions")).isEqualTo(1);
            for (int qos = 0; qos < 3; qos++) {
                assertThat(s.value("mqtt_messages_received_total", "qos=\"" + qos + "\"")).as("in, QoS " + qos).isEqualTo(1);
                assertThat(s.value("mqtt_messages_sent_total", "qos=\"" + qos + "\"")).as("out, QoS " + qos).isEqualTo(1);
            }
            assertThat(s.value("mqtt_received_bytes_total")).isPositive();
            assertThat(s.value("mqtt_sent_bytes_total")).isPositive();
            assertThat(s.value("mqtt_store_send_seconds_count")).isPositive();
            assertThat(s.value("mqtt_store_send_errors_total")).isZero();
            assertThat(s.value("mqtt_lmq_pull_seconds_count")).isPositive();
        }

        // PINGREQ before CONNECT, and a CONNECT with an empty client id and CleanSession=0.
        assertThat(exchange(new byte[] {(byte) 0xC0, 0x00})).isEmpty();
        byte[] connect = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0x00, 0x3C, 0x00, 0x00};
        assertThat(exchange(connect)).containsExactly(0x20, 0x02, 0x00, 0x02);

        await().atMost(WAIT).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("mqtt_protocol_errors_total", "reason=\"connect_not_first\"")).isEqualTo(1);
            assertThat(s.value("mqtt_protocol_errors_total", "reason=\"client_id\"")).isEqualTo(1);
            assertThat(s.value("mqtt_connects_total", "result=\"refused_identifier_rejected\"")).isEqualTo(1);
            assertThat(s.value("mqtt_connects_total", "result=\"accepted\"")).isEqualTo(2);
            assertThat(s.value("mqtt_connections")).isZero();
            assertThat(s.value("mqtt_sessions", "type=\"clean\"")).isZero();
            assertThat(s.value("mqtt_inflight")).isZero();
        });
    }

    /** Sends {@code bytes} on a fresh connection and returns all the gateway sent before it closed. */
    private static List<Integer> exchange(byte[] bytes) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.mqttPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            java.util.ArrayList<Integer> reply = new java.util.ArrayList<>();
            for (int b; (b = in.read()) >= 0; ) {
                reply.add(b);
            }
            return reply;
        }
    }
}
