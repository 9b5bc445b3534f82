package org.rmqtt.store.rocketmq;

import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.store.LmqDispatch;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;

/**
 * How an MQTT message looks in RocketMQ, both ways: the same for the remoting path and the
 * in-process path, so a message written by one reads the same through the other.
 */
public final class MqttMessages {
    private MqttMessages() {
    }

    /** The RocketMQ message for {@code request}, on its mapped first-level topic. */
    public static Message toMessage(TopicMapper mapper, PublishRequest request) {
        Message msg = new Message(mapper.rocketTopic(request.topic()), MessageProperties.body(request.payload()));
        if (request.payload().length == 0) {
            msg.putUserProperty(MessageProperties.MQTT_EMPTY, "true");
        }
        msg.putUserProperty(MessageProperties.MQTT_TOPIC, request.topic());
        msg.putUserProperty(MessageProperties.MQTT_QOS, Integer.toString(request.qos()));
        if (request.retain()) {
            msg.putUserProperty(MessageProperties.MQTT_RETAIN, "true");
        }
        if (request.clientId() != null) {
            msg.putUserProperty(MessageProperties.MQTT_CLIENT_ID, request.clientId());
        }
        if (!request.wildcardFilters().isEmpty()) {
            // For a broker with the dispatch plug-in, which checks each filter against the topic.
            msg.putUserProperty(MessageProperties.MQTT_DISPATCH_FILTERS, MessageProperties.encodeFilters(request.wildcardFilters()));
        }
        // A broker with the plug-in recomputes the list; one without takes it as it is.
        LmqDispatch.setOn(msg, request.lmqs());
        return msg;
    }

    /** The queue of {@code queues} that a topic's messages go to: one per MQTT topic keeps them in order. */
    public static int queueOf(String mqttTopic, int queues) {
        return Math.floorMod(mqttTopic.hashCode(), queues);
    }

    /**
     * The batch read from {@code lmq} at {@code offset}: MQTT messages with their offset in that
     * LMQ; messages of other producers are skipped, but still move the offset on.
     */
    public static PullBatch found(String lmq, long offset, List<MessageExt> found, long nextBeginOffset) {
        List<StoredMessage> messages = new ArrayList<>(found.size());
        long expected = offset;
        for (MessageExt m : found) {
            long lmqOffset = lmqOffset(m, lmq, expected);
            expected = lmqOffset + 1;
            StoredMessage stored = stored(m, lmqOffset);
            if (stored != null) { // else not an MQTT message; nothing to deliver
                messages.add(stored);
            }
        }
        return new PullBatch(PullBatch.Status.FOUND, messages, Math.max(expected, nextBeginOffset));
    }

    /** The MQTT message {@code m} carries, as at {@code offset} of an LMQ; null if it carries none. */
    public static StoredMessage stored(Message m, long offset) {
        String topic = m.getUserProperty(MessageProperties.MQTT_TOPIC);
        if (topic == null) {
            return null;
        }
        return new StoredMessage(topic,
                MessageProperties.qos(m.getUserProperty(MessageProperties.MQTT_QOS)),
                "true".equals(m.getUserProperty(MessageProperties.MQTT_RETAIN)),
                MessageProperties.payload(m.getUserProperty(MessageProperties.MQTT_EMPTY), m.getBody()), offset);
    }

    /** A decoded message carries its offset in each LMQ in a list parallel to the dispatch list. */
    static long lmqOffset(MessageExt m, String lmq, long fallback) {
        LmqDispatch.Dispatched dispatched = LmqDispatch.Dispatched.of(m);
        return dispatched == null ? fallback : dispatched.offsetOf(lmq, fallback);
    }
}
