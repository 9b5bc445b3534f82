package org.rmqtt.meta.codec;

import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;

/**
 * A change to the meta state: what a client asks for and what the Raft log records. Each has a
 * fixed opcode in {@link MetaCodec}; opcodes are never reused.
 */
public sealed interface Command {

    /** Registers a node or renews its lease until (entry time + leaseMillis). */
    record Heartbeat(GatewayNode node, long leaseMillis) implements Command {}

    record Leave(String nodeId) implements Command {}

    record AddFilter(String nodeId, String filter) implements Command {}

    record RemoveFilter(String nodeId, String filter) implements Command {}

    record ClaimSession(String clientId, String nodeId) implements Command {}

    record ReleaseSession(String clientId, String nodeId, long epoch) implements Command {}

    record AddSubscription(String clientId, Subscription subscription) implements Command {}

    record RemoveSubscription(String clientId, String filter) implements Command {}

    record DropSession(String clientId) implements Command {}

    record Retain(RetainedMessage message) implements Command {}

    record StoreWill(String nodeId, long epoch, WillMessage will) implements Command {}

    record ClearWill(String nodeId, String clientId, long epoch) implements Command {}

    record TakeWills(String nodeId) implements Command {}

    /** Drops the nodes whose lease ended at or before the entry's time. Sent by the meta leader. */
    record ExpireLeases() implements Command {}

    /** True for commands that change what {@link ViewChange}s describe, so the writer's view must catch up. */
    default boolean changesView() {
        return this instanceof Heartbeat || this instanceof Leave || this instanceof AddFilter
                || this instanceof RemoveFilter || this instanceof AddSubscription
                || this instanceof RemoveSubscription || this instanceof DropSession
                || this instanceof ExpireLeases;
    }
}
