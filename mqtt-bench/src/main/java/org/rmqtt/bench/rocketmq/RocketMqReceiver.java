package org.rmqtt.bench.rocketmq;

import java.nio.ByteBuffer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.UtilAll;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.rmqtt.bench.BenchException;
import org.rmqtt.bench.load.Sink;

/**
 * A backend service consuming what devices publish: a RocketMQ push consumer on the RocketMQ topic
 * the gateway maps the devices' MQTT topics to, reading the MQTT topic from the message property.
 */
public final class RocketMqReceiver implements AutoCloseable {

    /** Start a minute back, so a clock step between broker and benchmark does not skip the first messages. */
    private static final long START_BACK_MILLIS = 60_000;

    private final DefaultMQPushConsumer consumer;

    /**
     * @param mqttTopicPrefix only messages whose MQTT topic starts with it are this run's; others
     *                        (other devices, earlier runs) are skipped
     */
    public RocketMqReceiver(String namesrv, String group, String topic, String topicProperty, String mqttTopicPrefix,
                            Sink sink) {
        RocketMqClients.configureLogging();
        consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        // A new group with CONSUME_FROM_LAST_OFFSET may start at offset 0 when the topic is still in
        // memory on the broker; a timestamp start is exact.
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_TIMESTAMP);
        consumer.setConsumeTimestamp(UtilAll.timeMillisToHumanString3(System.currentTimeMillis() - START_BACK_MILLIS));
        consumer.setConsumeMessageBatchMaxSize(32);
        consumer.setPullBatchSize(64);
        try {
            consumer.subscribe(topic, "*");
            // Orderly: one thread per queue, in queue order. A concurrent listener reorders within a
            // queue by itself, and the out-of-order count would measure the consumer, not the gateway.
            consumer.registerMessageListener((MessageListenerOrderly) (messages, context) -> {
                long now = System.nanoTime();
                for (MessageExt message : messages) {
                    String mqttTopic = message.getUserProperty(topicProperty);
                    if (mqttTopic != null && mqttTopic.startsWith(mqttTopicPrefix)) {
                        sink.onMessage(ByteBuffer.wrap(message.getBody()), now);
                    }
                }
                return ConsumeOrderlyStatus.SUCCESS;
            });
            consumer.start();
        } catch (MQClientException e) {
            throw new BenchException("cannot start a RocketMQ consumer on topic '" + topic + "' via " + namesrv
                + ": " + e.getErrorMessage(), "check --namesrv and --topic");
        }
    }

    @Override
    public void close() {
        consumer.shutdown();
    }
}
