package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.RawClient.CONNACK;
import static org.rmqtt.gateway.conformance.RawClient.PINGREQ;
import static org.rmqtt.gateway.conformance.RawClient.PINGRESP;
import static org.rmqtt.gateway.conformance.RawClient.SUBACK;
import static org.rmqtt.gateway.conformance.RawClient.bytes;
import static org.rmqtt.gateway.conformance.RawClient.concat;
import static org.rmqtt.gateway.conformance.RawClient.connectPacket;
import static org.rmqtt.gateway.conformance.RawClient.packet;
import static org.rmqtt.gateway.conformance.RawClient.publishPacket;
import static org.rmqtt.gateway.conformance.RawClient.subscribePacket;
import static org.rmqtt.gateway.conformance.RawClient.utf8;
import static org.rmqtt.gateway.conformance.Target.unique;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.conformance.RawClient.Packet;

/** §3.1 CONNECT and §3.2 CONNACK. */
class ConnectIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static Target target;

    @BeforeAll
    static void start() {
        target = Target.start();
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    /** A CONNACK, if the server sent one before closing, must not accept the connection. */
    private static void assertRefusedAndClosed(RawClient client) {
        List<Packet> packets = client.readUntilClosed();
        assertThat(packets).allSatisfy(p -> {
            assertThat(p.type()).isEqualTo(CONNACK);
            assertThat(p.connackCode()).isNotZero();
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PUBLISH", "SUBSCRIBE", "PINGREQ"})
    void MQTT_3_1_0_1_firstPacketMustBeConnect(String first) {
        byte[] packet = switch (first) {
            case "PUBLISH" -> publishPacket(0, unique("c/"), 0, "x");
            case "SUBSCRIBE" -> subscribePacket(1, unique("c/"), 0);
            default -> bytes(PINGREQ, 0);
        };
        long before = target.violations(Violation.CONNECT_NOT_FIRST);
        try (RawClient client = target.raw()) {
            client.send(packet);
            client.assertClosedWithoutReply();
        }
        if (target.isGateway()) {
            assertThat(target.violations(Violation.CONNECT_NOT_FIRST)).isGreaterThan(before);
        }
    }

    @Test
    void MQTT_3_1_0_2_secondConnectCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("c"));
            client.send(connectPacket(unique("c"), true, 60));
            client.assertClosedWithoutReply();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"MQIsdp/4", "MQTT/3", "MQXX/4"})
    void MQTT_3_1_2_1_wrongProtocolNameCloses(String nameAndLevel) {
        String[] parts = nameAndLevel.split("/");
        try (RawClient client = target.raw()) {
            client.send(connectPacket(parts[0], Integer.parseInt(parts[1]), 0x02, 60, utf8(unique("c"))));
            assertRefusedAndClosed(client);
        }
    }

    @ParameterizedTest(name = "level {0}")
    @ValueSource(ints = {2, 6, 0x83})
    void MQTT_3_1_2_2_unsupportedLevelGetsConnack01ThenClose(int level) {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", level, 0x02, 60, utf8(unique("c"))));
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).connackCode()).isEqualTo(0x01);
        }
    }

    @Test
    void MQTT_3_1_2_2_mqtt31LevelThreeIsAccepted() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQIsdp", 3, 0x02, 60, utf8(unique("c31"))));
            assertThat(client.expect(CONNACK).connackCode()).isZero();
            assertThat(client.subscribe(1, unique("c/"), 1)).isEqualTo(1);
        }
    }

    @Test
    void MQTT_3_1_2_3_reservedConnectFlagCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x03, 60, utf8(unique("c"))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_4_persistentSessionResumesSubscriptions() throws Exception {
        String clientId = unique("p");
        String topic = unique("c/") + "/resume";
        try (MqttTestClient first = new MqttTestClient(target.port(), clientId, 10, false)) {
            first.subscribe(topic, 1);
        }
        try (MqttTestClient again = new MqttTestClient(target.port(), clientId, 10, false);
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            assertThat(again.sessionPresent()).isTrue();
            publisher.publish(topic, "after-resume", 1);
            assertThat(again.collect(topic, 1, WAIT)).extracting(MqttTestClient.Received::payload)
                    .containsExactly("after-resume");
            again.paho().unsubscribe(topic);
        }
    }

    @Test
    void MQTT_3_1_2_5_persistentSessionStoresQos1And2WhileAway() throws Exception {
        String clientId = unique("p");
        String topic = unique("c/") + "/away";
        try (MqttTestClient first = new MqttTestClient(target.port(), clientId, 10, false)) {
            first.subscribe(topic, 2);
        }
        try (MqttTestClient publisher = new MqttTestClient(target.port())) {
            publisher.publish(topic, "q1", 1);
            publisher.publish(topic, "q2", 2);
        }
        try (MqttTestClient again = new MqttTestClient(target.port(), clientId, 10, false)) {
            assertThat(again.collect(topic, 2, WAIT)).extracting(MqttTestClient.Received::payload)
                    .containsExactly("q1", "q2");
            again.paho().unsubscribe(topic);
        }
    }

    @Test
    void MQTT_3_1_2_6_cleanSessionDiscardsThePreviousSession() throws Exception {
        String clientId = unique("p");
        String topic = unique("c/") + "/clean";
        try (MqttTestClient first = new MqttTestClient(target.port(), clientId, 10, false)) {
            first.subscribe(topic, 1);
        }
        try (MqttTestClient clean = new MqttTestClient(target.port(), clientId, 10, true)) {
            assertThat(clean.sessionPresent()).isFalse();
        }
        // The clean session's state is not reused either: a new persistent session starts empty.
        try (MqttTestClient again = new MqttTestClient(target.port(), clientId, 10, false)) {
            assertThat(again.sessionPresent()).isFalse();
        }
        try (MqttTestClient end = new MqttTestClient(target.port(), clientId, 10, true)) {
            assertThat(end.sessionPresent()).isFalse();
        }
    }

    @Test
    void MQTT_3_1_2_11_willQosWithoutWillFlagCloses() {
        try (RawClient client = target.raw()) {
            // Will QoS 1 (0x08) with the will flag clear.
            client.send(connectPacket("MQTT", 4, 0x0A, 60, utf8(unique("c"))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_13_willFlagZeroWillQosMustBeZero() {
        try (RawClient client = target.raw()) {
            // Will QoS 2 (0x10) with the will flag clear.
            client.send(connectPacket("MQTT", 4, 0x12, 60, utf8(unique("c"))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_14_willQos3Closes() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x1E, 60, utf8(unique("c")), utf8("will/t"), utf8("bye")));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_15_willRetainWithoutWillFlagCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x22, 60, utf8(unique("c"))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_18_userNameWithoutTheFlagCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x02, 60, utf8(unique("c")), utf8("user")));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_20_passwordWithoutTheFlagCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x82, 60, utf8(unique("c")), utf8("user"), utf8("secret")));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_3_3_connectWithoutClientIdCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x02, 60));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_3_4_illFormedUtf8ClientIdCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x02, 60, RawClient.lengthPrefixed(bytes('c', 0xC3, 0x28))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_3_10_illFormedUtf8WillTopicCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x06, 60, utf8(unique("c")),
                    RawClient.lengthPrefixed(bytes('w', 0xED, 0xA0, 0x80)), utf8("bye")));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_3_11_illFormedUtf8UserNameCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x82, 60, utf8(unique("c")), RawClient.lengthPrefixed(bytes(0xFF, 'u'))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_19_userNameFlagWithoutUserNameCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x82, 60, utf8(unique("c"))));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_21_passwordFlagWithoutPasswordCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0xC2, 60, utf8(unique("c")), utf8("user")));
            assertRefusedAndClosed(client);
        }
    }

    @Test
    void MQTT_3_1_2_22_passwordWithoutUserNameCloses() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 4, 0x42, 60, utf8(unique("c")), utf8("secret")));
            assertRefusedAndClosed(client);
        }
        if (target.isGateway()) {
            assertThat(target.violations(Violation.CONNECT_FLAGS)).isPositive();
        }
    }

    @Test
    void MQTT_3_1_2_24_keepAliveOneAndAHalf() {
        try (RawClient client = target.raw()) {
            client.connect(unique("ka"), true, 1);
            // Nothing more is sent: the server must close the connection (after 1.5 s).
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_3_1_2_24_packetsWithinTheKeepAliveKeepTheConnection() throws Exception {
        try (RawClient client = target.raw()) {
            client.connect(unique("ka"), true, 1);
            // Pings half a second apart, spanning more than 1.5 x 1 s: each one resets the keep-alive.
            for (int i = 0; i < 5; i++) {
                client.send(bytes(PINGREQ, 0));
                assertThat(client.expect(PINGRESP).type()).isEqualTo(PINGRESP);
                Thread.sleep(500);
            }
            client.assertOpen();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "0123456789abcdefghijkLM", "ABCdef789"})
    void MQTT_3_1_3_5_clientIdsOf1To23AlphanumericsAreAccepted(String clientId) {
        try (RawClient client = target.raw()) {
            client.connect(clientId);
            client.assertOpen();
        }
    }

    @Test
    void MQTT_3_1_3_6_emptyClientIdWithCleanSessionIsAccepted() {
        try (RawClient client = target.raw()) {
            client.connect("", true, 60);
            assertThat(client.subscribe(1, unique("c/"), 0)).isZero();
        }
    }

    @Test
    void MQTT_3_1_3_8_emptyClientIdWithPersistentSessionGets0x02ThenClose() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("", false, 60));
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).connackCode()).isEqualTo(0x02);
            assertThat(packets.get(0).sessionPresent()).isFalse();
        }
    }

    @Test
    void MQTT_3_1_4_2_sameClientIdTakesOverTheSession() throws Exception {
        String clientId = unique("t");
        try (RawClient first = target.raw(); RawClient second = target.raw()) {
            first.connect(clientId);
            second.connect(clientId);
            first.assertClosedWithoutReply();
            second.assertOpen();
        }
    }

    @Test
    void MQTT_3_1_4_4_validConnectGetsConnack0() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket(unique("c"), true, 60));
            Packet connAck = client.expect(CONNACK);
            assertThat(connAck.body()).hasSize(2);
            assertThat(connAck.connackCode()).isZero();
        }
    }

    @Test
    void MQTT_3_1_4_5_nothingAfterARefusedConnectIsProcessed() throws Exception {
        String topic = unique("c/") + "/refused";
        try (MqttTestClient subscriber = new MqttTestClient(target.port())) {
            subscriber.subscribe(topic, 1);
            try (RawClient client = target.raw()) {
                client.send(connectPacket("MQTT", 6, 0x02, 60, utf8(unique("c"))),
                        publishPacket(1, topic, 1, "must-not-arrive"));
                assertThat(client.readUntilClosed()).extracting(Packet::type).containsOnly(CONNACK);
            }
            try (MqttTestClient publisher = new MqttTestClient(target.port())) {
                publisher.publish(topic, "marker", 1);
            }
            assertThat(subscriber.next(WAIT)).extracting(MqttTestClient.Received::payload).isEqualTo("marker");
        }
    }

    @Test
    void MQTT_3_2_0_1_firstPacketFromTheServerIsConnack() {
        try (RawClient client = target.raw()) {
            // SUBSCRIBE right behind CONNECT, in one write: CONNACK must still come first.
            client.send(concat(connectPacket(unique("c"), true, 60), subscribePacket(1, unique("c/"), 1)));
            assertThat(client.expect(CONNACK).connackCode()).isZero();
            assertThat(client.expect(SUBACK).packetId()).isEqualTo(1);
        }
    }

    @Test
    void MQTT_3_2_2_1_cleanSessionGetsSessionPresent0() {
        try (RawClient client = target.raw()) {
            client.connect(unique("c"), true, 60);
            assertThat(client.sessionPresent()).isFalse();
        }
    }

    @Test
    void MQTT_3_2_2_2_resumedSessionGetsSessionPresent1() {
        String clientId = unique("p");
        try (RawClient client = target.raw()) {
            client.connect(clientId, false, 60);
            client.subscribe(1, unique("c/"), 1);
        }
        try (RawClient client = target.raw()) {
            client.connect(clientId, false, 60);
            assertThat(client.sessionPresent()).isTrue();
        }
        try (RawClient client = target.raw()) {
            client.connect(clientId, true, 60); // ends the session
        }
    }

    @Test
    void MQTT_3_2_2_3_newPersistentSessionGetsSessionPresent0() {
        String clientId = unique("p");
        try (RawClient client = target.raw()) {
            client.connect(clientId, false, 60);
            assertThat(client.sessionPresent()).isFalse();
        }
        try (RawClient client = target.raw()) {
            client.connect(clientId, true, 60);
        }
    }

    @Test
    void MQTT_3_2_2_4_refusedConnackHasSessionPresent0() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 6, 0x00, 60, utf8(unique("c"))));
            Packet connAck = client.expect(CONNACK);
            assertThat(connAck.connackCode()).isEqualTo(0x01);
            assertThat(connAck.sessionPresent()).isFalse();
        }
    }

    @Test
    void MQTT_3_2_2_5_refusedConnectionIsClosed() {
        try (RawClient client = target.raw()) {
            client.send(connectPacket("MQTT", 6, 0x02, 60, utf8(unique("c"))));
            assertThat(client.readUntilClosed()).hasSize(1);
        }
    }

    @Test
    void MQTT_3_1_4_1_malformedConnectCloses() {
        try (RawClient client = target.raw()) {
            // Remaining length says 3, the body is a truncated protocol name; then the stream ends mid-packet.
            client.send(packet(0x10, bytes(0, 4, 'M')), concat(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x7F)));
            assertRefusedAndClosed(client);
        }
    }
}
