package org.rmqtt.store;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A message to store.
 *
 * @param topic    MQTT topic name (validated)
 * @param qos      QoS it was published with
 * @param retain   RETAIN flag of the publication
 * @param payload  application payload
 * @param clientId publishing client, null for a backend message
 * @param wildcardFilters the wildcard filters in use that match {@code topic}: besides the exact
 *                        topic's LMQ, the message is indexed in each of theirs
 */
public record PublishRequest(String topic, int qos, boolean retain, byte[] payload, String clientId,
                             Set<String> wildcardFilters) {
    public PublishRequest {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        wildcardFilters = Set.copyOf(wildcardFilters);
    }

    /** The same message, dispatched to {@code filters}. */
    public PublishRequest withWildcardFilters(Set<String> filters) {
        return new PublishRequest(topic, qos, retain, payload, clientId, filters);
    }

    /** The LMQs the message is indexed in. */
    public List<String> lmqs() {
        return LmqDispatch.lmqs(topic, wildcardFilters);
    }
}
