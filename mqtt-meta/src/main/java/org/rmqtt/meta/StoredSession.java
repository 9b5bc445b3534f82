package org.rmqtt.meta;

import java.util.List;
import java.util.Objects;

/**
 * What meta keeps of a persistent session between connections.
 *
 * @param subscriptions its subscriptions, sorted by filter
 * @param state         the gateway's encoding of read positions and unfinished QoS exchanges, as
 *                      last saved; empty if never saved. Opaque to meta.
 */
public record StoredSession(List<Subscription> subscriptions, byte[] state) {
    public StoredSession {
        subscriptions = List.copyOf(subscriptions);
        Objects.requireNonNull(state, "state");
    }
}
