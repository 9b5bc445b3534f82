package org.rmqtt.meta;

import java.util.Arrays;
import org.rmqtt.common.topic.Topics;

/**
 * The will of a connection, stored on CONNECT so that a surviving gateway can publish it if the
 * gateway holding the connection dies.
 *
 * @param clientId the client whose will this is
 * @param topic    the will topic
 * @param payload  the will payload, at most {@link MetaValidation#MAX_PAYLOAD_BYTES}; not copied
 * @param qos      the will QoS
 * @param retain   the will retain flag
 */
public record WillMessage(String clientId, String topic, byte[] payload, int qos, boolean retain) {
    public WillMessage {
        MetaValidation.id("client id", clientId);
        Topics.validateTopicName(topic);
        MetaValidation.payload(payload);
        MetaValidation.qos(qos);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WillMessage other
                && clientId.equals(other.clientId) && topic.equals(other.topic) && qos == other.qos
                && retain == other.retain && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return ((clientId.hashCode() * 31 + topic.hashCode()) * 31 + qos) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "WillMessage[clientId=" + clientId + ", topic=" + topic + ", qos=" + qos + ", retain=" + retain
                + ", payload=" + payload.length + " bytes]";
    }
}
