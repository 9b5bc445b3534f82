package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.store.TestNames;

/**
 * Zero-length payloads (a heartbeat, a retained clear) at every QoS, device → device, device →
 * backend and backend → device, on the real broker, which refuses a zero-length body.
 */
class EmptyPayloadIT {
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
        return TestNames.unique("e");
    }

    @Test
    void zeroLengthPayloadsAreAcknowledgedAndDeliveredAtEveryQos() throws Exception {
        String topic = unique() + "/heartbeat";
        try (MqttTestClient sub = new MqttTestClient(gateway.mqttPort()); MqttTestClient pub = new MqttTestClient(gateway.mqttPort())) {
            sub.subscribe(topic, 2);
            for (int qos = 0; qos <= 2; qos++) {
                pub.paho().publish(topic, new byte[0], qos, false); // returns once acknowledged (QoS 1, 2)
            }
            pub.publish(topic, "end", 1);
            assertThat(pub.isConnected()).isTrue();
            // Paho hands a QoS 2 message over on PUBREL, so the order across QoS levels is the client's.
            List<Received> got = sub.collect(topic, 4, WAIT);
            assertThat(got).extracting(Received::payload, Received::qos).containsExactlyInAnyOrder(
                    tuple("", 0), tuple("", 1), tuple("", 2), tuple("end", 1));
        }
    }

    @Test
    void aBackendSeesTheEmptyMarkerAndSendsAnEmptyPayloadWithIt() throws Exception {
        String topic = "sensors/" + unique() + "/ping";
        BlockingQueue<MessageExt> received = new LinkedBlockingQueue<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer("empty_backend_" + unique());
        consumer.setNamesrvAddr(TestGateways.rocketMq().namesrvAddress());
        consumer.setInstanceName("empty-consumer-" + unique());
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe("sensors", "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            received.addAll(msgs);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        DefaultMQProducer producer = new DefaultMQProducer("empty_backend");
        producer.setNamesrvAddr(TestGateways.rocketMq().namesrvAddress());
        producer.setInstanceName("empty-producer-" + unique());
        producer.start();
        try (MqttTestClient device = new MqttTestClient(gateway.mqttPort())) {
            device.subscribe(topic + "/cmd", 1);
            device.paho().publish(topic, new byte[0], 1, false);
            MessageExt m;
            do {
                m = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            } while (m != null && !topic.equals(m.getUserProperty(MessageProperties.MQTT_TOPIC)));
            assertThat(m).as("the device's empty message on RocketMQ").isNotNull();
            assertThat(m.getUserProperty(MessageProperties.MQTT_EMPTY)).isEqualTo("true");
            assertThat(m.getBody()).hasSize(1); // the placeholder RocketMQ needs

            Message command = new Message("sensors", new byte[] {0});
            command.putUserProperty(MessageProperties.MQTT_TOPIC, topic + "/cmd");
            command.putUserProperty(MessageProperties.MQTT_EMPTY, "true");
            producer.send(command);
            assertThat(device.collect(topic + "/cmd", 1, WAIT)).extracting(Received::payload).containsExactly("");
        } finally {
            producer.shutdown();
            consumer.shutdown();
        }
    }
}
