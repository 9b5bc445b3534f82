package org.rmqtt.meta;

import java.util.Arrays;
import org.rmqtt.common.topic.Topics;

/**
 * The retained message of a topic. Storing one with an empty payload clears the topic's retained
 * message (MQTT 3.1.1 §3.3.1.3).
 *
 * @param topic   the topic name (no wildcards)
 * @param payload the payload, at most {@link MetaValidation#MAX_PAYLOAD_BYTES}; not copied
 * @param qos     the QoS it was published with
 */
public record RetainedMessage(String topic, byte[] payload, int qos) {
    public RetainedMessage {
        Topics.validateTopicName(topic);
        MetaValidation.payload(payload);
        MetaValidation.qos(qos);
    }

    public boolean clears() {
        return payload.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetainedMessage other
                && topic.equals(other.topic) && qos == other.qos && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * topic.hashCode() + qos) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "RetainedMessage[topic=" + topic + ", qos=" + qos + ", payload=" + payload.length + " bytes]";
    }
}
