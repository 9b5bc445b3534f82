package org.rmqtt.meta;

import java.util.List;

/**
 * A persistent session as an operator sees it (admin API): who holds it and what it keeps.
 *
 * @param clientId       the client
 * @param ownerNodeId    the node its connection is on, or null while it is offline
 * @param subscriptions  its subscriptions, sorted by filter
 * @param expiryMillis   how long it outlives its last connection, 0 = for ever
 * @param expireAtMillis when it ends (epoch millis), 0 while owned or when it never expires
 */
public record SessionSummary(String clientId, String ownerNodeId, List<Subscription> subscriptions, long expiryMillis,
                             long expireAtMillis) {
    public SessionSummary {
        subscriptions = List.copyOf(subscriptions);
    }
}
