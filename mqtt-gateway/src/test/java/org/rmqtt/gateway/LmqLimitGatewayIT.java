package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.metrics.Scrape;
import org.rmqtt.store.TestNames;

/**
 * A device publishing to a topic that would need a new LMQ while the broker is at its
 * {@code maxLmqConsumeQueueNum} gets no PUBACK and is disconnected, rather than acknowledged and
 * never delivered; a SUBSCRIBE that needs a new LMQ gets 0x80; topics that have a queue keep
 * working, and the new topic works once the limit is raised. On the shared broker, with its limit lowered for the test and put back after.
 */
class LmqLimitGatewayIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = TestGateways.startInProcess(Map.of());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static String unique() {
        return TestNames.unique("limit-");
    }

    @Test
    void aPublishNeedingANewQueueOverTheLimitIsNotAcknowledgedAndOthersGoOn() throws Exception {
        assumeThat(TestGateways.rocketMq().dispatchPlugin()).as("the plug-in enforces the limit").isTrue();
        String known = unique() + "/known";
        MessageStoreConfig config = TestGateways.rocketMq().broker().getMessageStoreConfig();
        int limit = config.getMaxLmqConsumeQueueNum();
        try (MqttTestClient sub = new MqttTestClient(gateway.mqttPort());
             MqttTestClient pub = new MqttTestClient(gateway.mqttPort())) {
            sub.subscribe(known, 1);
            pub.publish(known, "before", 1);
            assertThat(sub.collect(known, 1, WAIT)).extracting(Received::payload).containsExactly("before");

            int queues = TestGateways.rocketMq().consumeQueueCount();
            config.setMaxLmqConsumeQueueNum(queues);
            // What an operator's alert watches.
            Scrape scrape = new Scrape(gateway.metrics().scrape());
            assertThat(scrape.value("mqtt_store_queue_limit")).isEqualTo(queues);
            assertThat(scrape.value("mqtt_store_queues")).isEqualTo(queues);
            String newer = unique() + "/newer";
            try (MqttTestClient refused = new MqttTestClient(gateway.mqttPort())) {
                assertThatThrownBy(() -> refused.publish(newer, "refused", 1)).isInstanceOf(MqttException.class);
                await().atMost(WAIT).until(() -> !refused.isConnected());
            }
            pub.publish(known, "during", 1);
            assertThat(sub.collect(known, 1, WAIT)).extracting(Received::payload).containsExactly("during");

            // A subscription that needs a new queue gets 0x80: a new wildcard filter would otherwise make
            // every message it matches need one, and refused, even on topics that have theirs.
            String prefix = known.substring(0, known.indexOf('/'));
            assertThatThrownBy(() -> sub.subscribe(prefix + "/+", 1)).hasMessageContaining("refused");
            assertThatThrownBy(() -> sub.subscribe(unique() + "/subscribed", 1)).hasMessageContaining("refused");
            pub.publish(known, "after the refusals", 1);
            assertThat(sub.collect(known, 1, WAIT)).extracting(Received::payload).containsExactly("after the refusals");
            // A subscription to a queue that exists is granted.
            try (MqttTestClient another = new MqttTestClient(gateway.mqttPort())) {
                another.subscribe(known, 1);
                pub.publish(known, "to both", 1);
                assertThat(another.collect(known, 1, WAIT)).extracting(Received::payload).containsExactly("to both");
            }
        } finally {
            config.setMaxLmqConsumeQueueNum(limit);
        }
        try (MqttTestClient sub = new MqttTestClient(gateway.mqttPort());
             MqttTestClient pub = new MqttTestClient(gateway.mqttPort())) {
            String newer = unique() + "/after";
            sub.subscribe(newer, 1);
            pub.publish(newer, "after", 1);
            assertThat(sub.collect(newer, 1, WAIT)).extracting(Received::payload).containsExactly("after");
        }
    }
}
