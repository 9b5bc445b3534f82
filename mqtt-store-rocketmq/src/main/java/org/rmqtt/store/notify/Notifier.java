package org.rmqtt.store.notify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns new messages on the mapped RocketMQ topics into topic events for the gateways that hold
 * a matching subscription. Every gateway runs one, all in one clustered consumer group, so each
 * message is seen once across the cluster.
 */
public final class Notifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final DefaultMQPushConsumer consumer;
    private final Function<String, Collection<String>> targets;
    private final NotifyClient client;

    /**
     * @param targets MQTT topic name → notify addresses of the nodes with a matching subscription
     */
    public Notifier(String namesrv, String group, String instanceName, Collection<String> rocketTopics,
                    Function<String, Collection<String>> targets, NotifyClient client) {
        this.targets = targets;
        this.client = client;
        this.consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(instanceName);
        // A fresh group starts at the beginning: announcing old messages is harmless (events are
        // hints and readers skip offsets they passed), while starting at the end would skip
        // messages stored before the first rebalance.
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setConsumeMessageBatchMaxSize(32);
        consumer.setPullBatchSize(64);
        consumer.setConsumeThreadMin(1);
        consumer.setConsumeThreadMax(2);
        try {
            for (String topic : rocketTopics) {
                consumer.subscribe(topic, "*");
            }
        } catch (MQClientException e) {
            throw new StoreException("notifier cannot subscribe: " + e.getMessage(), e);
        }
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            String broker = context.getMessageQueue().getBrokerName();
            for (MessageExt m : messages) {
                onMessage(broker, m);
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
    }

    public void start() {
        try {
            consumer.start();
        } catch (MQClientException e) {
            throw new StoreException("cannot start the notifier: " + e.getMessage(), e);
        }
        LOG.info("Notifier consuming as group {}", consumer.getConsumerGroup());
    }

    void onMessage(String broker, MessageExt m) {
        String topic = m.getUserProperty(MessageProperties.MQTT_TOPIC);
        String dispatch = m.getProperty(MessageConst.PROPERTY_INNER_MULTI_DISPATCH);
        String offsets = m.getProperty(MessageConst.PROPERTY_INNER_MULTI_QUEUE_OFFSET);
        if (topic == null || dispatch == null || offsets == null) {
            // Not an MQTT message, or written by a broker without the dispatch plug-in.
            LOG.debug("Message {} on {} has no MQTT dispatch; not announced", m.getMsgId(), m.getTopic());
            return;
        }
        List<String> lmqs = Arrays.asList(dispatch.split(MixAll.LMQ_DISPATCH_SEPARATOR));
        String[] values = offsets.split(MixAll.LMQ_DISPATCH_SEPARATOR);
        if (values.length != lmqs.size()) {
            LOG.warn("Message {} has {} LMQs but {} offsets; not announced", m.getMsgId(), lmqs.size(), values.length);
            return;
        }
        List<Long> lmqOffsets = new ArrayList<>(values.length);
        for (String v : values) {
            lmqOffsets.add(Long.parseLong(v));
        }
        TopicEvent event = new TopicEvent(broker, topic, lmqs, lmqOffsets);
        for (String address : targets.apply(topic)) {
            client.send(address, event);
        }
    }

    @Override
    public void close() {
        consumer.shutdown();
    }
}
