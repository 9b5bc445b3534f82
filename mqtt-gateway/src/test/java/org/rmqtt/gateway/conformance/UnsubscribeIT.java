package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.RawClient.UNSUBACK;
import static org.rmqtt.gateway.conformance.RawClient.UNSUBSCRIBE;
import static org.rmqtt.gateway.conformance.RawClient.id;
import static org.rmqtt.gateway.conformance.RawClient.packet;
import static org.rmqtt.gateway.conformance.RawClient.unsubscribePacket;
import static org.rmqtt.gateway.conformance.RawClient.utf8;
import static org.rmqtt.gateway.conformance.Target.unique;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;

/** §3.10 UNSUBSCRIBE and §3.11 UNSUBACK. */
class UnsubscribeIT {
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
    void MQTT_3_10_1_1_unsubscribeFlagsMustBe0010() {
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(packet(0xA0, id(1), utf8(unique("u/"))));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_3_10_3_2_unsubscribeWithoutFiltersCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(packet(UNSUBSCRIBE, id(1)));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_3_10_3_1_illFormedUtf8InAnUnsubscribeFilterCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(packet(UNSUBSCRIBE, id(1), RawClient.lengthPrefixed(RawClient.bytes('u', 0xC0, 0x80))));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_3_10_4_3_aQos2DeliveryUnderWayCompletesAfterUnsubscribe() throws Exception {
        String topic = unique("u/");
        try (RawClient client = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            client.connect(unique("u"));
            client.subscribe(1, topic, 2);
            publisher.publish(topic, "under-way", 2);
            RawClient.Packet p = client.expect(RawClient.PUBLISH);
            client.send(unsubscribePacket(2, topic));
            assertThat(client.expect(UNSUBACK).packetId()).isEqualTo(2);
            client.send(RawClient.ack(RawClient.PUBREC, p.publishId()));
            assertThat(client.expect(RawClient.PUBREL).packetId()).isEqualTo(p.publishId());
            client.send(RawClient.ack(RawClient.PUBCOMP, p.publishId()));
            client.assertOpen();
        }
    }

    @Test
    void MQTT_3_10_4_1_onlyACharacterForCharacterEqualFilterIsRemoved() throws Exception {
        String root = unique("u/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/+", 1);
            // Matches what root/+ matches, but is not the same filter: nothing is removed.
            subscriber.paho().unsubscribe(root + "/x");
            publisher.publish(root + "/x", "still-subscribed", 1);
            assertThat(subscriber.next(WAIT).payload()).isEqualTo("still-subscribed");
        }
    }

    @Test
    void MQTT_3_10_4_2_unsubscribeStopsDelivery() throws Exception {
        String root = unique("u/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/gone", 1);
            subscriber.subscribe(root + "/kept", 1);
            publisher.publish(root + "/gone", "before", 1);
            assertThat(subscriber.next(WAIT).payload()).isEqualTo("before");
            subscriber.paho().unsubscribe(root + "/gone");
            publisher.publish(root + "/gone", "after", 1);
            publisher.publish(root + "/kept", "marker", 1);
            List<Received> got = subscriber.collect(root, 1, WAIT);
            assertThat(got).extracting(Received::payload).containsExactly("marker");
            assertThat(subscriber.next(Duration.ofSeconds(1))).as("a message after UNSUBACK").isNull();
        }
    }

    @Test
    void MQTT_3_10_4_4_unsubackHasTheUnsubscribePacketId() {
        String filter = unique("u/");
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.subscribe(1, filter, 1);
            client.send(unsubscribePacket(0x4242, filter));
            RawClient.Packet unsubAck = client.expect(UNSUBACK);
            assertThat(unsubAck.packetId()).isEqualTo(0x4242);
            assertThat(unsubAck.body()).hasSize(2);
        }
    }

    @Test
    void MQTT_3_10_4_5_unsubscribeOfAnUnknownFilterIsAcknowledged() {
        try (RawClient client = target.raw()) {
            client.connect(unique("u"));
            client.send(unsubscribePacket(9, unique("never/") + "/#"));
            assertThat(client.expect(UNSUBACK).packetId()).isEqualTo(9);
            client.assertOpen();
        }
    }

    @Test
    void MQTT_3_10_4_6_severalFiltersAreAnsweredByOneUnsuback() throws Exception {
        String root = unique("u/");
        try (RawClient client = target.raw(); MqttTestClient publisher = new MqttTestClient(target.port())) {
            client.connect(unique("u"));
            client.subscribe(1, root + "/a", 1);
            client.subscribe(2, root + "/b", 1);
            client.subscribe(3, root + "/c", 1);
            client.send(unsubscribePacket(4, root + "/a", root + "/b", root + "/unknown"));
            assertThat(client.expect(UNSUBACK).packetId()).isEqualTo(4);
            publisher.publish(root + "/a", "a", 1);
            publisher.publish(root + "/c", "c", 1);
            RawClient.Packet p = client.expect(RawClient.PUBLISH);
            assertThat(p.topic()).isEqualTo(root + "/c");
        }
    }
}
