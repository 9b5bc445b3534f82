package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.store.embedded.SharedRocketMq;

/**
 * A broker without the dispatch plug-in, as an external RocketMQ that cannot be touched: the
 * notifier's fallback copies backend messages with their dispatch list, and device messages
 * carry the list the gateway computed.
 */
class BackendNoPluginIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        assertThat(SharedRocketMq.WITH_PLUGIN).as("this class runs in the execution without the plug-in").isFalse();
        gateway = TestGateways.start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void backendMessagesReachExactAndWildcardSubscribers() throws Exception {
        String root = "n" + UUID.randomUUID().toString().substring(0, 8);
        try (MqttTestClient exact = new MqttTestClient(gateway.mqttPort());
             MqttTestClient wildcard = new MqttTestClient(gateway.mqttPort())) {
            exact.subscribe(root + "/7/cmd", 1);
            wildcard.subscribe(root + "/#", 1);
            DefaultMQProducer producer = new DefaultMQProducer("noplugin_backend");
            producer.setNamesrvAddr(TestGateways.rocketMq().namesrvAddress());
            producer.setInstanceName("noplugin-" + root);
            producer.start();
            try {
                for (int i = 0; i < 5; i++) {
                    Message msg = new Message("mqtt_default", ("c" + i).getBytes(StandardCharsets.UTF_8));
                    msg.putUserProperty("mqttTopic", root + "/7/cmd");
                    // Without the plug-in, order across queues is lost in the copy: one topic, one queue.
                    producer.send(msg, (mqs, m, topic) -> mqs.get(Math.floorMod(topic.hashCode(), mqs.size())), root + "/7/cmd");
                }
            } finally {
                producer.shutdown();
            }
            assertThat(exact.collect(root, 5, WAIT)).extracting(Received::payload).containsExactly("c0", "c1", "c2", "c3", "c4");
            assertThat(wildcard.collect(root, 5, WAIT)).extracting(Received::payload).containsExactly("c0", "c1", "c2", "c3", "c4");
            assertThat(exact.next(Duration.ofMillis(500))).as("no duplicate from the copy").isNull();
        }
    }

    @Test
    void deviceMessagesReachWildcardSubscribers() throws Exception {
        String root = "d" + UUID.randomUUID().toString().substring(0, 8);
        try (MqttTestClient sub = new MqttTestClient(gateway.mqttPort());
             MqttTestClient pub = new MqttTestClient(gateway.mqttPort())) {
            sub.subscribe("+/" + root, 1);
            pub.publish("x/" + root, "hello", 1);
            assertThat(sub.collect("x/" + root, 1, WAIT)).extracting(Received::payload).containsExactly("hello");
            assertThat(sub.next(Duration.ofMillis(500))).isNull();
        }
    }
}
