package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.RawClient.PUBACK;
import static org.rmqtt.gateway.conformance.RawClient.PUBCOMP;
import static org.rmqtt.gateway.conformance.RawClient.PUBLISH;
import static org.rmqtt.gateway.conformance.RawClient.PUBREC;
import static org.rmqtt.gateway.conformance.RawClient.PUBREL;
import static org.rmqtt.gateway.conformance.RawClient.SUBACK;
import static org.rmqtt.gateway.conformance.RawClient.UNSUBACK;
import static org.rmqtt.gateway.conformance.RawClient.ack;
import static org.rmqtt.gateway.conformance.RawClient.bytes;
import static org.rmqtt.gateway.conformance.RawClient.concat;
import static org.rmqtt.gateway.conformance.RawClient.id;
import static org.rmqtt.gateway.conformance.RawClient.lengthPrefixed;
import static org.rmqtt.gateway.conformance.RawClient.packet;
import static org.rmqtt.gateway.conformance.RawClient.publishPacket;
import static org.rmqtt.gateway.conformance.RawClient.subscribePacket;
import static org.rmqtt.gateway.conformance.RawClient.unsubscribePacket;
import static org.rmqtt.gateway.conformance.RawClient.utf8;
import static org.rmqtt.gateway.conformance.Target.unique;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.conformance.RawClient.Packet;

/** §1.5 data representation, §2 packet format (flags, packet identifiers) and §4.8 malformed packets. */
class DataRepresentationIT {
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"C0 80", "ED A0 80", "FF", "61 E2 82"})
    void MQTT_1_5_3_1_illFormedUtf8InATopicCloses(String hexBytes) {
        String[] parts = hexBytes.split(" ");
        byte[] topic = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            topic[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        long before = target.violations(Violation.INVALID_UTF8);
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(publishPacket(0x32, lengthPrefixed(topic), 1, "x"));
            client.assertClosedWithoutReply();
        }
        if (target.isGateway()) {
            assertThat(target.violations(Violation.INVALID_UTF8)).isGreaterThan(before);
        }
    }

    @Test
    void MQTT_1_5_3_1_illFormedUtf8InAFilterCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(packet(RawClient.SUBSCRIBE, id(1), lengthPrefixed(bytes('a', '/', 0xC0, 0xAF)), bytes(0)));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_1_5_3_2_nullCharacterInATopicCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(publishPacket(0x30, lengthPrefixed(bytes('a', 0, 'b')), 0, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_1_5_3_3_byteOrderMarkIsNotStripped() throws Exception {
        // Paho refuses U+FEFF in a topic on its own side, so both ends here are raw clients.
        String plain = unique("bom/");
        String withBom = "\uFEFF" + plain;
        try (RawClient subscriber = target.raw(); RawClient publisher = target.raw()) {
            subscriber.connect(unique("u"));
            assertThat(subscriber.subscribe(1, withBom, 1)).isEqualTo(1);
            publisher.connect(unique("u"));
            publisher.send(publishPacket(1, plain, 1, "plain"), publishPacket(1, withBom, 2, "bom"));
            publisher.expect(PUBACK);
            publisher.expect(PUBACK);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.payload()).isEqualTo("bom");
            assertThat(p.topic()).isEqualTo(withBom);
            subscriber.send(ack(PUBACK, p.publishId()));
        }
    }

    @ParameterizedTest(name = "0x{0}")
    @ValueSource(strings = {"C1", "C2", "C8", "E1", "E2", "41", "43", "51", "72", "60", "8A", "83", "A3", "AA"})
    void MQTT_2_2_2_2_invalidFlagsClose(String firstByte) {
        int header = Integer.parseInt(firstByte, 16);
        int type = header & 0xF0;
        byte[] body = switch (type) {
            case 0x80 -> concat(id(1), utf8("a/b"), bytes(0));
            case 0xA0 -> concat(id(1), utf8("a/b"));
            case 0xC0, 0xE0 -> new byte[0];
            default -> id(1);
        };
        try (RawClient client = target.raw()) {
            client.connect(unique("f"));
            client.send(packet(header, body));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_2_3_1_1_subscribeWithPacketIdZeroCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("i"));
            client.send(subscribePacket(0, unique("i/"), 1));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_2_3_1_1_qos1PublishWithPacketIdZeroCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("i"));
            client.send(publishPacket(1, unique("i/"), 0, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_2_3_1_4_serverPublishesQos1WithDistinctNonZeroIds() throws Exception {
        String topic = unique("i/");
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(unique("i"));
            assertThat(subscriber.subscribe(1, topic, 1)).isEqualTo(1);
            publisher.publish(topic, "a", 1);
            publisher.publish(topic, "b", 1);
            Packet first = subscriber.expect(PUBLISH);
            Packet second = subscriber.expect(PUBLISH);
            assertThat(first.publishId()).isNotZero();
            assertThat(second.publishId()).isNotZero().isNotEqualTo(first.publishId());
            subscriber.send(ack(PUBACK, first.publishId()), ack(PUBACK, second.publishId()));
        }
    }

    @Test
    void MQTT_2_3_1_5_qos0PublishHasNoPacketId() throws Exception {
        String topic = unique("i/");
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(unique("i"));
            assertThat(subscriber.subscribe(1, topic, 0)).isZero();
            publisher.publish(topic, "payload", 1);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.qos()).isZero();
            // Topic, then straight the payload: no two bytes of packet identifier in between.
            assertThat(p.body().length).isEqualTo(2 + topic.length() + "payload".length());
            assertThat(p.payload()).isEqualTo("payload");
        }
    }

    @Test
    void MQTT_2_3_1_6_acknowledgementsCarryThePublishPacketId() {
        String topic = unique("i/");
        try (RawClient client = target.raw()) {
            client.connect(unique("i"));
            client.send(publishPacket(1, topic, 0x1234, "q1"));
            assertThat(client.expect(PUBACK).packetId()).isEqualTo(0x1234);
            client.send(publishPacket(2, topic, 0xFFFF, "q2"));
            assertThat(client.expect(PUBREC).packetId()).isEqualTo(0xFFFF);
            client.send(ack(PUBREL, 0xFFFF));
            assertThat(client.expect(PUBCOMP).packetId()).isEqualTo(0xFFFF);
        }
    }

    @Test
    void MQTT_2_3_1_7_subackAndUnsubackCarryThePacketId() {
        String filter = unique("i/") + "/#";
        try (RawClient client = target.raw()) {
            client.connect(unique("i"));
            client.send(subscribePacket(0x0102, filter, 1));
            assertThat(client.expect(SUBACK).packetId()).isEqualTo(0x0102);
            client.send(unsubscribePacket(0x0A0B, filter));
            assertThat(client.expect(UNSUBACK).packetId()).isEqualTo(0x0A0B);
        }
    }

    @Test
    void MQTT_4_8_0_1_remainingLengthOfMoreThanFourBytesCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("m"));
            client.send(bytes(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
            client.assertClosedWithoutReply();
        }
        if (target.isGateway()) {
            assertThat(target.violations(Violation.REMAINING_LENGTH)).isPositive();
        }
    }

    @Test
    void MQTT_4_8_0_1_pingreqWithABodyCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("m"));
            client.send(bytes(0xC0, 0x01, 0x00));
            assertThat(client.readUntilClosed()).extracting(Packet::type).doesNotContain(RawClient.PINGRESP);
        }
    }

    @Test
    void MQTT_4_8_0_1_pubackOfWrongLengthCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("m"));
            client.send(packet(PUBACK, bytes(0, 1, 0)));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_4_8_0_1_aViolationClosesOnlyThatConnection() throws Exception {
        String topic = unique("m/");
        try (MqttTestClient bystander = new MqttTestClient(target.port());
             RawClient offender = target.raw()) {
            bystander.subscribe(topic, 1);
            offender.connect(unique("m"));
            offender.send(bytes(0x36, 0x00)); // PUBLISH with QoS 3
            offender.assertClosedWithoutReply();
            bystander.publish(topic, "still-served", 1);
            assertThat(bystander.next(WAIT).payload()).isEqualTo("still-served");
        }
    }

    @Test
    void MQTT_4_8_0_1_packetTypeZeroCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("m"));
            client.send(bytes(0x00, 0x00));
            client.assertClosedWithoutReply();
        }
    }
}
