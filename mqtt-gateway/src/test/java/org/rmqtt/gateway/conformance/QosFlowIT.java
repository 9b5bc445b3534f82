package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.RawClient.PUBACK;
import static org.rmqtt.gateway.conformance.RawClient.PUBCOMP;
import static org.rmqtt.gateway.conformance.RawClient.PUBLISH;
import static org.rmqtt.gateway.conformance.RawClient.PUBREC;
import static org.rmqtt.gateway.conformance.RawClient.PUBREL;
import static org.rmqtt.gateway.conformance.RawClient.ack;
import static org.rmqtt.gateway.conformance.RawClient.publishPacket;
import static org.rmqtt.gateway.conformance.RawClient.utf8;
import static org.rmqtt.gateway.conformance.Target.unique;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.conformance.RawClient.Packet;

/** §4.3 QoS flows, §4.4 redelivery, §4.5 receiving, §4.6 ordering. */
class QosFlowIT {
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

    @Test
    void MQTT_4_3_1_1_qos0IsDeliveredAtQos0WithoutDup() throws Exception {
        String topic = unique("q/");
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(unique("q"));
            subscriber.subscribe(1, topic, 2);
            publisher.publish(topic, "q0", 0);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.qos()).isZero();
            assertThat(p.dup()).isFalse();
            assertThat(p.payload()).isEqualTo("q0");
        }
    }

    @Test
    void MQTT_4_3_2_1_unacknowledgedQos1IsResentWithDupAndTheSameId() throws Exception {
        String clientId = unique("q");
        String topic = unique("q/");
        int firstId;
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(clientId, false, 60);
            subscriber.subscribe(1, topic, 1);
            publisher.publish(topic, "unacked", 1);
            Packet first = subscriber.expect(PUBLISH);
            assertThat(first.dup()).isFalse();
            firstId = first.publishId();
            // No PUBACK: the connection drops with the message unacknowledged, and the client
            // reconnects at once (racing the server's handling of the old connection's end).
        }
        try (RawClient again = target.raw()) {
            again.connect(clientId, false, 60);
            Packet resent = again.expect(PUBLISH);
            assertThat(resent.payload()).isEqualTo("unacked");
            assertThat(resent.dup()).as("DUP on redelivery (MQTT-3.3.1-1)").isTrue();
            assertThat(resent.publishId()).as("same packet id (MQTT-4.4.0-1)").isEqualTo(firstId);
            again.send(ack(PUBACK, firstId));
            again.assertOpen();
        }
        try (RawClient end = target.raw()) {
            end.connect(clientId, true, 60);
        }
    }

    @Test
    void MQTT_4_3_2_2_afterPubackTheSamePacketIdIsANewPublication() throws Exception {
        String topic = unique("q/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port()); RawClient publisher = target.raw()) {
            subscriber.subscribe(topic, 1);
            publisher.connect(unique("q"));
            publisher.send(publishPacket(1, topic, 5, "first"));
            assertThat(publisher.expect(PUBACK).packetId()).isEqualTo(5);
            publisher.send(publishPacket(1, topic, 5, "second"));
            assertThat(publisher.expect(PUBACK).packetId()).isEqualTo(5);
            assertThat(subscriber.collect(topic, 2, WAIT)).extracting(Received::payload).containsExactly("first", "second");
        }
    }

    @Test
    void MQTT_4_3_3_1_serverSendsQos2WithPubrelAfterPubrec() throws Exception {
        String topic = unique("q/");
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(unique("q"));
            subscriber.subscribe(1, topic, 2);
            publisher.publish(topic, "exactly-once", 2);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.qos()).isEqualTo(2);
            assertThat(p.publishId()).isNotZero();
            subscriber.send(ack(PUBREC, p.publishId()));
            Packet pubrel = subscriber.expect(PUBREL);
            assertThat(pubrel.flags()).as("PUBREL flags 0010").isEqualTo(0x2);
            assertThat(pubrel.packetId()).isEqualTo(p.publishId());
            subscriber.send(ack(PUBCOMP, p.publishId()));
            subscriber.assertOpen();
        }
    }

    @Test
    void MQTT_4_3_3_2_aResentQos2PublishIsDeliveredOnce() throws Exception {
        String topic = unique("q/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port()); RawClient publisher = target.raw()) {
            subscriber.subscribe(topic, 2);
            publisher.connect(unique("q"));
            publisher.send(publishPacket(2, topic, 9, "once"));
            assertThat(publisher.expect(PUBREC).packetId()).isEqualTo(9);
            publisher.send(publishPacket(0x3C, utf8(topic), 9, "once")); // the same, DUP=1
            assertThat(publisher.expect(PUBREC).packetId()).isEqualTo(9);
            publisher.send(ack(PUBREL, 9));
            assertThat(publisher.expect(PUBCOMP).packetId()).isEqualTo(9);
            // After PUBCOMP the id is free: the same id is a new message.
            publisher.send(publishPacket(2, topic, 9, "next"));
            assertThat(publisher.expect(PUBREC).packetId()).isEqualTo(9);
            publisher.send(ack(PUBREL, 9));
            assertThat(publisher.expect(PUBCOMP).packetId()).isEqualTo(9);
            assertThat(subscriber.collect(topic, 2, WAIT)).extracting(Received::payload).containsExactly("once", "next");
        }
    }

    @Test
    void MQTT_3_6_1_1_pubrelFlagsMustBe0010() {
        String topic = unique("q/");
        try (RawClient client = target.raw()) {
            client.connect(unique("q"));
            client.send(publishPacket(2, topic, 3, "x"));
            assertThat(client.expect(PUBREC).packetId()).isEqualTo(3);
            client.send(ack(0x60, 3)); // PUBREL with flags 0000
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_4_4_0_1_pubrelIsResentOnReconnect() throws Exception {
        String clientId = unique("q");
        String topic = unique("q/");
        int packetId;
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(clientId, false, 60);
            subscriber.subscribe(1, topic, 2);
            publisher.publish(topic, "half-way", 2);
            Packet p = subscriber.expect(PUBLISH);
            packetId = p.publishId();
            subscriber.send(ack(PUBREC, packetId));
            assertThat(subscriber.expect(PUBREL).packetId()).isEqualTo(packetId);
            // No PUBCOMP: the connection ends between PUBREL and PUBCOMP.
        }
        try (RawClient again = target.raw()) {
            again.connect(clientId, false, 60);
            Packet resent = again.expect(PUBREL);
            assertThat(resent.packetId()).isEqualTo(packetId);
            again.send(ack(PUBCOMP, packetId));
            again.assertOpen();
        }
        try (RawClient end = target.raw()) {
            end.connect(clientId, true, 60);
        }
    }

    @Test
    void MQTT_4_5_0_1_aMessageReachesEveryMatchingSubscriber() throws Exception {
        String root = unique("q/");
        try (MqttTestClient exact = new MqttTestClient(target.port());
             MqttTestClient wildcard = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            exact.subscribe(root + "/a", 1);
            wildcard.subscribe(root + "/#", 1);
            publisher.publish(root + "/a", "fan-out", 1);
            assertThat(exact.next(WAIT).payload()).isEqualTo("fan-out");
            assertThat(wildcard.next(WAIT).payload()).isEqualTo("fan-out");
        }
    }

    @Test
    void MQTT_4_6_0_5_messagesOfATopicKeepTheirOrder() throws Exception {
        String topic = unique("q/");
        List<String> sent = IntStream.range(0, 100).mapToObj(i -> "m" + i).toList();
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(topic, 2);
            for (String m : sent) {
                publisher.paho().publish(topic, m.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false);
            }
            assertThat(subscriber.collect(topic, sent.size(), WAIT)).extracting(Received::payload)
                    .containsExactlyElementsOf(sent);
        }
    }

    @Test
    void MQTT_4_6_0_6_qos0MessagesOfATopicKeepTheirOrder() throws Exception {
        String topic = unique("q/");
        List<String> sent = IntStream.range(0, 50).mapToObj(i -> "z" + i).toList();
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(topic, 0);
            for (String m : sent) {
                publisher.publish(topic, m, 0);
            }
            publisher.publish(topic, "end", 1); // QoS 1 behind them: all QoS 0 ones were handed over
            List<Received> got = subscriber.collect(topic, sent.size() + 1, WAIT);
            assertThat(got).extracting(Received::payload).containsSubsequence(sent);
        }
    }
}
