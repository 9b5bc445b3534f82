package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.RatisMetaCluster;
import org.rmqtt.gateway.TestGateways;
import org.rmqtt.store.TestNames;

/**
 * Retained messages (MQTT 3.1.1 §3.3.1.3, MQTT-3.3.1-5..-12, MQTT-3.8.4-3), through a real
 * gateway, RocketMQ and Eclipse Paho. Each method is named after the statement it shows.
 */
class RetainedIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long to listen for a message that must not come. */
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static String unique() {
        return TestNames.unique("ret");
    }

    private static MqttTestClient client() {
        return new MqttTestClient(gateway.mqttPort());
    }

    private static void retain(MqttTestClient c, String topic, String payload, int qos) throws Exception {
        c.paho().publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, true);
    }

    @Test
    void MQTT_3_3_1_5_retainedStoredAndDeliveredToNewSubscriber() throws Exception {
        String topic = unique() + "/state";
        try (MqttTestClient pub = client()) {
            retain(pub, topic, "on", 1);
        }
        try (MqttTestClient sub = client()) {
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.payload()).isEqualTo("on");
                assertThat(r.qos()).isEqualTo(1);
                assertThat(r.retained()).isTrue();
            });
        }
    }

    @Test
    void MQTT_3_3_1_6_newWildcardSubscriptionGetsTheLastRetainedMessageOfEachMatchingTopic() throws Exception {
        String root = unique();
        try (MqttTestClient pub = client()) {
            retain(pub, root + "/a/x", "old", 1);
            retain(pub, root + "/a/x", "new", 1);
            retain(pub, root + "/b/x", "b", 0);
            retain(pub, root + "/b/y", "not matched", 0);
        }
        try (MqttTestClient plus = client(); MqttTestClient hash = client()) {
            plus.subscribe(root + "/+/x", 1);
            assertThat(plus.collect(root, 2, WAIT)).extracting(Received::topic, Received::payload)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(root + "/a/x", "new"),
                            org.assertj.core.groups.Tuple.tuple(root + "/b/x", "b"));
            hash.subscribe(root + "/#", 1);
            assertThat(hash.collect(root, 3, WAIT)).extracting(Received::payload)
                    .containsExactlyInAnyOrder("new", "b", "not matched");
            assertThat(plus.collect(root, 1, QUIET)).isEmpty();
        }
    }

    @Test
    void MQTT_3_3_1_6_retainedMessageComesBeforeNewerMessagesOnItsTopic() throws Exception {
        String topic = unique() + "/order";
        try (MqttTestClient pub = client(); MqttTestClient sub = client()) {
            retain(pub, topic, "retained", 1);
            sub.subscribe(topic, 1); // returns once the SUBACK came
            pub.publish(topic, "newer", 1);
            List<Received> got = sub.collect(topic, 2, WAIT);
            assertThat(got).extracting(Received::payload).containsExactly("retained", "newer");
            assertThat(got).extracting(Received::retained).containsExactly(true, false);
        }
    }

    @Test
    void MQTT_3_3_1_7_qos0RetainedMessageReplacesThePreviousOne() throws Exception {
        String topic = unique() + "/q0";
        try (MqttTestClient pub = client()) {
            retain(pub, topic, "qos1", 1);
            retain(pub, topic, "qos0", 0);
            pub.publish(topic + "/sync", "after", 1); // the QoS 0 write is done once this is acknowledged
        }
        try (MqttTestClient sub = client()) {
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.payload()).isEqualTo("qos0");
                assertThat(r.qos()).isZero();
            });
        }
    }

    @Test
    void MQTT_3_3_1_8_retainFlagIsSetWhenSentForANewSubscription() throws Exception {
        String topic = unique() + "/flag";
        try (MqttTestClient pub = client(); MqttTestClient sub = client()) {
            retain(pub, topic, "r", 2);
            sub.subscribe(topic, 2);
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.retained()).isTrue();
                assertThat(r.qos()).isEqualTo(2);
            });
        }
    }

    @Test
    void MQTT_3_3_1_9_retainFlagIsClearedForAnEstablishedSubscription() throws Exception {
        String topic = unique() + "/live";
        try (MqttTestClient sub = client(); MqttTestClient pub = client()) {
            sub.subscribe(topic, 1);
            retain(pub, topic, "live", 1);
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.payload()).isEqualTo("live");
                assertThat(r.retained()).isFalse();
            });
        }
    }

    @Test
    void MQTT_3_3_1_10_emptyRetainedPublishIsDeliveredAndRemovesTheRetainedMessage() throws Exception {
        String topic = unique() + "/clear";
        try (MqttTestClient pub = client(); MqttTestClient sub = client()) {
            retain(pub, topic, "set", 1);
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("set");
            retain(pub, topic, "", 1);
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.payload()).isEmpty();
                assertThat(r.retained()).isFalse();
            });
        }
        try (MqttTestClient later = client()) {
            later.subscribe(topic, 1);
            assertThat(later.collect(topic, 1, QUIET)).as("no retained message after the clear").isEmpty();
        }
    }

    @Test
    void MQTT_3_3_1_11_zeroByteRetainedMessageIsNotStoredAsRetained() throws Exception {
        String topic = unique() + "/zero";
        try (MqttTestClient pub = client()) {
            retain(pub, topic, "", 1);
        }
        try (MqttTestClient sub = client()) {
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, QUIET)).isEmpty();
        }
    }

    @Test
    void MQTT_3_3_1_12_nonRetainedPublishLeavesTheRetainedMessage() throws Exception {
        String topic = unique() + "/keep";
        try (MqttTestClient pub = client()) {
            retain(pub, topic, "kept", 1);
            pub.publish(topic, "not retained", 1);
        }
        try (MqttTestClient sub = client()) {
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("kept");
            assertThat(sub.collect(topic, 1, QUIET)).isEmpty();
        }
    }

    @Test
    void MQTT_3_8_4_3_subscribingAgainSendsTheRetainedMessagesAgain() throws Exception {
        String topic = unique() + "/again";
        try (MqttTestClient pub = client(); MqttTestClient sub = client()) {
            retain(pub, topic, "r", 1);
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::retained).containsExactly(true);
            sub.subscribe(topic, 1);
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload, Received::retained)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("r", true));
            // The flow goes on after the repeated SUBSCRIBE.
            pub.publish(topic, "flow", 1);
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("flow");
        }
    }

    @Test
    void MQTT_3_8_4_6_retainedMessageIsSentAtTheLowerOfItsQosAndTheGrantedQos() throws Exception {
        String topic = unique() + "/min";
        try (MqttTestClient pub = client(); MqttTestClient q0 = client(); MqttTestClient q2 = client()) {
            retain(pub, topic, "r", 1);
            q0.subscribe(topic, 0);
            q2.subscribe(topic, 2);
            assertThat(q0.collect(topic, 1, WAIT)).extracting(Received::qos).containsExactly(0);
            assertThat(q2.collect(topic, 1, WAIT)).extracting(Received::qos).containsExactly(1);
        }
    }

    @Test
    void backendProducerSetsAndClearsARetainedMessageWithAProperty() throws Exception {
        String topic = unique() + "/backend";
        DefaultMQProducer producer = new DefaultMQProducer("retained_backend");
        producer.setNamesrvAddr(TestGateways.rocketMq().namesrvAddress());
        producer.setInstanceName("retained-backend-" + unique());
        producer.start();
        try (MqttTestClient live = client()) {
            live.subscribe(topic, 1);
            Message set = new Message("mqtt_default", "from backend".getBytes(StandardCharsets.UTF_8));
            set.putUserProperty(MessageProperties.MQTT_TOPIC, topic);
            set.putUserProperty(MessageProperties.MQTT_RETAIN, "true");
            producer.send(set);
            // Delivered to the live subscriber; the notifier has written meta by the time it announced it.
            assertThat(live.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("from backend");
            try (MqttTestClient later = client()) {
                later.subscribe(topic, 1);
                assertThat(later.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                    assertThat(r.payload()).isEqualTo("from backend");
                    assertThat(r.retained()).isTrue();
                });
            }

            Message clear = new Message("mqtt_default", new byte[] {0});
            clear.putUserProperty(MessageProperties.MQTT_TOPIC, topic);
            clear.putUserProperty(MessageProperties.MQTT_RETAIN, "true");
            clear.putUserProperty(MessageProperties.MQTT_EMPTY, "true");
            producer.send(clear);
            assertThat(live.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("");
            try (MqttTestClient after = client()) {
                after.subscribe(topic, 1);
                assertThat(after.collect(topic, 1, QUIET)).isEmpty();
            }
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void MQTT_3_3_1_5_retainedIsVisibleOnEveryGatewayAndAfterARestart(@TempDir Path dir) throws Exception {
        String topic = unique() + "/cluster";
        try (RatisMetaCluster meta = new RatisMetaCluster(dir)) {
            // A notifier group of this cluster's own: the JVM's other gateways follow another meta.
            Map<String, String> group = Map.of("notifier.group", "retained_it_" + unique());
            Gateway a = TestGateways.start(meta.newClient(), group);
            Gateway b = TestGateways.start(meta.newClient(), group);
            try {
                try (MqttTestClient pub = new MqttTestClient(a.mqttPort())) {
                    retain(pub, topic, "everywhere", 1);
                }
                try (MqttTestClient sub = new MqttTestClient(b.mqttPort())) {
                    sub.subscribe(topic, 1);
                    assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload, Received::retained)
                            .containsExactly(org.assertj.core.groups.Tuple.tuple("everywhere", true));
                }
            } finally {
                a.close();
                b.close();
            }
            Gateway restarted = TestGateways.start(meta.newClient(), group);
            try (MqttTestClient sub = new MqttTestClient(restarted.mqttPort())) {
                sub.subscribe(topic, 1);
                assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("everywhere");
            } finally {
                restarted.close();
            }
        }
    }
}
