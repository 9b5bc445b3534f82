package org.rmqtt.store;

import java.util.List;
import java.util.Objects;

/**
 * A message to store.
 *
 * @param topic    MQTT topic name (validated)
 * @param qos      QoS it was published with
 * @param retain   RETAIN flag of the publication
 * @param payload  application payload
 * @param clientId publishing client, null for a backend message
 * @param lmqs     LMQs to index it in: the exact topic's and those of the matching wildcard filters
 */
public record PublishRequest(String topic, int qos, boolean retain, byte[] payload, String clientId, List<String> lmqs) {
    public PublishRequest {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        lmqs = List.copyOf(lmqs);
    }
}
