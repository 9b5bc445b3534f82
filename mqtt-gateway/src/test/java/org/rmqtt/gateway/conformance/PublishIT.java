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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.conformance.RawClient.Packet;

/** §3.3 PUBLISH. */
class PublishIT {
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
    void MQTT_3_3_1_2_qos0IsSentWithDupZero() throws Exception {
        String topic = unique("p/");
        try (RawClient subscriber = target.raw(); RawClient publisher = target.raw()) {
            subscriber.connect(unique("p"));
            assertThat(subscriber.subscribe(1, topic, 0)).isZero();
            publisher.connect(unique("p"));
            // A QoS 1 message delivered at QoS 0 to the QoS 0 subscription.
            publisher.send(publishPacket(0x3A, utf8(topic), 1, "dup-in"));
            publisher.expect(PUBACK);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.qos()).isZero();
            assertThat(p.dup()).isFalse();
        }
    }

    @Test
    void MQTT_3_3_1_3_dupIsNotPropagatedToSubscribers() throws Exception {
        String topic = unique("p/");
        try (RawClient subscriber = target.raw(); RawClient publisher = target.raw()) {
            subscriber.connect(unique("p"));
            assertThat(subscriber.subscribe(1, topic, 1)).isEqualTo(1);
            publisher.connect(unique("p"));
            publisher.send(publishPacket(0x3A, utf8(topic), 7, "resent")); // QoS 1, DUP=1
            publisher.expect(PUBACK);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.payload()).isEqualTo("resent");
            assertThat(p.dup()).isFalse();
            subscriber.send(ack(PUBACK, p.publishId()));
        }
    }

    @Test
    void MQTT_3_3_1_4_publishWithQos3Closes() {
        try (RawClient client = target.raw()) {
            client.connect(unique("p"));
            client.send(publishPacket(0x36, utf8(unique("p/")), 1, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_3_3_2_1_emptyTopicNameCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("p"));
            client.send(publishPacket(0, "", 0, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "#", "+", "a/+/b"})
    void MQTT_3_3_2_2_wildcardInTopicNameCloses(String topic) {
        try (RawClient client = target.raw()) {
            client.connect(unique("p"));
            client.send(publishPacket(1, topic, 1, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_3_3_2_3_subscriberGetsThePublishedTopicNameNotTheFilter() throws Exception {
        String root = unique("p/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/+/temp", 1);
            publisher.publish(root + "/kitchen/temp", "21", 1);
            Received r = subscriber.next(WAIT);
            assertThat(r.topic()).isEqualTo(root + "/kitchen/temp");
        }
    }

    @Test
    void MQTT_3_3_4_1_eachQosGetsItsResponse() {
        String topic = unique("p/");
        try (RawClient client = target.raw()) {
            client.connect(unique("p"));
            client.send(publishPacket(0, topic, 0, "q0"), publishPacket(1, topic, 11, "q1"), publishPacket(2, topic, 12, "q2"));
            assertThat(client.expect(PUBACK).packetId()).isEqualTo(11);
            assertThat(client.expect(PUBREC).packetId()).isEqualTo(12);
            client.send(ack(PUBREL, 12));
            assertThat(client.expect(PUBCOMP).packetId()).isEqualTo(12);
            client.assertOpen(); // and nothing answered the QoS 0 message
        }
    }

    @Test
    void MQTT_3_3_5_1_overlappingSubscriptionsDeliverAtTheHighestQos() throws Exception {
        String root = unique("p/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/+", 0);
            subscriber.subscribe(root + "/x", 2);
            publisher.publish(root + "/x", "overlap", 2);
            publisher.publish(root + "/x", "marker", 0);
            // One copy per matching subscription is allowed; one of them must come at QoS 2.
            List<Received> got = subscriber.collect(root, 4, Duration.ofSeconds(5));
            assertThat(got).filteredOn(r -> r.payload().equals("overlap")).extracting(Received::qos).contains(2);
        }
    }

    @Test
    void MQTT_3_3_5_2_aPublishTheServerWillNotForwardIsStillAcknowledged() throws Exception {
        // This server does not let devices publish to '$' topics; Mosquitto may forward it.
        String topic = "$" + unique("p");
        try (RawClient client = target.raw()) {
            client.connect(unique("p"));
            client.send(publishPacket(1, topic, 21, "q1"), publishPacket(2, topic, 22, "q2"));
            assertThat(client.expect(PUBACK).packetId()).isEqualTo(21);
            assertThat(client.expect(PUBREC).packetId()).isEqualTo(22);
            client.send(ack(PUBREL, 22));
            assertThat(client.expect(PUBCOMP).packetId()).isEqualTo(22);
            client.assertOpen();
        }
    }

    @Test
    void MQTT_3_3_5_2_dollarTopicPublishIsNotDelivered() throws Exception {
        String topic = "$" + unique("p") + "/x";
        String marker = unique("p/") + "/marker";
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(topic, 1);
            subscriber.subscribe(marker, 1);
            publisher.publish(topic, "dropped", 1);
            publisher.publish(marker, "marker", 1);
            assertThat(subscriber.next(WAIT).payload()).isEqualTo("marker");
            if (target.isGateway()) {
                assertThat(subscriber.next(Duration.ofSeconds(1))).as("the '$' publish").isNull();
            }
        }
    }

    @Test
    void MQTT_3_3_1_1_serverSetsNoDupOnFirstDelivery() throws Exception {
        String topic = unique("p/");
        try (RawClient subscriber = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.connect(unique("p"));
            assertThat(subscriber.subscribe(1, topic, 2)).isEqualTo(2);
            publisher.publish(topic, "first", 2);
            Packet p = subscriber.expect(PUBLISH);
            assertThat(p.dup()).isFalse();
            assertThat(p.retain()).isFalse();
            subscriber.send(ack(RawClient.PUBREC, p.publishId()));
            assertThat(subscriber.expect(PUBREL).packetId()).isEqualTo(p.publishId());
            subscriber.send(ack(PUBCOMP, p.publishId()));
            subscriber.assertOpen();
        }
    }
}
