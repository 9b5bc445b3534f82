package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.RawClient.SUBACK;
import static org.rmqtt.gateway.conformance.RawClient.SUBSCRIBE;
import static org.rmqtt.gateway.conformance.RawClient.bytes;
import static org.rmqtt.gateway.conformance.RawClient.id;
import static org.rmqtt.gateway.conformance.RawClient.lengthPrefixed;
import static org.rmqtt.gateway.conformance.RawClient.packet;
import static org.rmqtt.gateway.conformance.RawClient.publishPacket;
import static org.rmqtt.gateway.conformance.RawClient.utf8;
import static org.rmqtt.gateway.conformance.Target.unique;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;

/**
 * §4.7 topic names and filters. This class's gateway lets devices publish to '$' topics
 * ({@code publish.allowDollarTopics=true}) so that '$' matching can be shown with real clients.
 */
class TopicIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static Target target;

    @BeforeAll
    static void start() {
        target = Target.start(Map.of("publish.allowDollarTopics", "true"));
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    private static int subscribeCode(String filter) {
        try (RawClient client = target.raw()) {
            client.connect(unique("t"));
            client.send(packet(SUBSCRIBE, id(1), utf8(filter), bytes(1)));
            return client.expect(SUBACK).returnCodes()[0];
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#"})
    void MQTT_4_7_1_1_wildcardsAreNotAllowedInTopicNames(String topic) {
        try (RawClient client = target.raw()) {
            client.connect(unique("t"));
            client.send(publishPacket(0, topic, 0, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/#/b", "a/b#", "#/a"})
    void MQTT_4_7_1_2_misplacedMultiLevelWildcardIsRefused(String filter) {
        assertThat(subscribeCode(unique("t/") + "/" + filter)).isEqualTo(0x80);
    }

    @Test
    void MQTT_4_7_1_2_multiLevelWildcardAlsoMatchesTheParentLevel() throws Exception {
        String root = unique("t/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/sport/#", 1);
            publisher.publish(root + "/sport", "parent", 1);
            publisher.publish(root + "/sport/tennis/player1", "child", 1);
            assertThat(subscriber.collect(root, 2, WAIT)).extracting(Received::payload).containsExactly("parent", "child");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a+", "+a/b", "a/b+"})
    void MQTT_4_7_1_3_singleLevelWildcardMustFillALevel(String filter) {
        assertThat(subscribeCode(unique("t/") + "/" + filter)).isEqualTo(0x80);
    }

    @Test
    void MQTT_4_7_1_3_singleLevelWildcardMatchesExactlyOneLevelEmptyIncluded() throws Exception {
        String root = unique("t/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/+/end", 1);
            publisher.publish(root + "/a/b/end", "two-levels", 1);
            publisher.publish(root + "//end", "empty-level", 1);
            publisher.publish(root + "/one/end", "one-level", 1);
            assertThat(subscriber.collect(root, 2, WAIT)).extracting(Received::payload)
                    .containsExactlyInAnyOrder("empty-level", "one-level");
        }
    }

    @Test
    void MQTT_4_7_2_1_dollarTopicsAreNotMatchedByLeadingWildcards() throws Exception {
        String level = unique("t");
        String dollar = "$" + level + "/x";
        String marker = level + "/x";
        try (MqttTestClient hash = new MqttTestClient(target.port());
             MqttTestClient plus = new MqttTestClient(target.port());
             MqttTestClient exact = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            hash.subscribe("#", 1);
            plus.subscribe("+/x", 1);
            exact.subscribe("$" + level + "/+", 1);
            publisher.publish(dollar, "dollar", 1);
            publisher.publish(marker, "marker", 1);
            // Each wildcard subscriber sees the marker, published after the '$' message, first.
            assertThat(hash.collect(t -> t.equals(marker) || t.equals(dollar), 1, WAIT))
                    .extracting(Received::topic).containsExactly(marker);
            assertThat(plus.collect(t -> t.equals(marker) || t.equals(dollar), 1, WAIT))
                    .extracting(Received::topic).containsExactly(marker);
            // A filter that starts with '$' itself matches it.
            assertThat(exact.next(WAIT).topic()).isEqualTo(dollar);
        }
    }

    @Test
    void MQTT_4_7_3_1_emptyTopicNameCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("t"));
            client.send(publishPacket(1, "", 1, "x"));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_4_7_3_1_emptyTopicFilterIsRefused() {
        try (RawClient client = target.raw()) {
            client.connect(unique("t"));
            client.send(packet(SUBSCRIBE, id(1), utf8(""), bytes(1)));
            List<RawClient.Packet> packets = client.readUntilClosedOrFirst();
            if (target.isGateway()) {
                assertThat(packets).hasSize(1);
                assertThat(packets.get(0).returnCodes()).containsExactly(0x80);
            } else if (!packets.isEmpty()) {
                assertThat(packets.get(0).returnCodes()).containsExactly(0x80);
            }
        }
    }

    @Test
    void MQTT_4_7_3_2_nullCharacterInAFilterCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("t"));
            client.send(packet(SUBSCRIBE, id(1), lengthPrefixed(bytes('a', '/', 0)), bytes(1)));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void MQTT_4_7_3_3_longTopicNamesWork() throws Exception {
        String topic = unique("t/") + "/" + "x".repeat(4000) + "/\u00e9\u4e2d";
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(topic, 1);
            publisher.publish(topic, "long", 1);
            Received r = subscriber.next(WAIT);
            assertThat(r.topic()).isEqualTo(topic);
        }
    }

    @Test
    void MQTT_4_7_3_4_noNormalisationCaseAndEmptyLevelsMatter() throws Exception {
        String root = unique("t/");
        try (MqttTestClient subscriber = new MqttTestClient(target.port());
             MqttTestClient publisher = new MqttTestClient(target.port())) {
            subscriber.subscribe(root + "/ACCOUNTS//x", 1);
            publisher.publish(root + "/Accounts//x", "case", 1);
            publisher.publish(root + "/ACCOUNTS/x", "levels", 1);
            publisher.publish(root + "/ACCOUNTS/x/", "trailing", 1);
            publisher.publish(root + "/ACCOUNTS//x", "exact", 1);
            assertThat(subscriber.collect(root, 1, WAIT)).extracting(Received::payload).containsExactly("exact");
            assertThat(subscriber.next(Duration.ofSeconds(1))).isNull();
        }
    }
}
