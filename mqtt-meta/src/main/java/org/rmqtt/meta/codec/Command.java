package org.rmqtt.meta.codec;

import java.util.Arrays;
import java.util.List;
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

    /**
     * Makes the node the owner of the client at a new epoch; {@code clean} ends the client's
     * persistent session, otherwise it is returned (or created empty) and stops expiring.
     */
    record ClaimSession(String clientId, String nodeId, boolean clean, long expiryMillis) implements Command {
        /** A clean claim, as the first version of the protocol knew it. */
        public ClaimSession(String clientId, String nodeId) {
            this(clientId, nodeId, true, 0);
        }
    }

    record ReleaseSession(String clientId, String nodeId, long epoch) implements Command {}

    record AddSubscription(String clientId, Subscription subscription) implements Command {}

    record RemoveSubscription(String clientId, String filter) implements Command {}

    record DropSession(String clientId) implements Command {}

    /** Replaces the saved state of a persistent session if the node owns it at the epoch; may release it too. */
    record SaveSession(String clientId, String nodeId, long epoch, byte[] state, boolean release) implements Command {
        @Override
        public boolean equals(Object o) {
            return o instanceof SaveSession s && clientId.equals(s.clientId) && nodeId.equals(s.nodeId)
                    && epoch == s.epoch && Arrays.equals(state, s.state) && release == s.release;
        }

        @Override
        public int hashCode() {
            return ((clientId.hashCode() * 31 + nodeId.hashCode()) * 31 + Long.hashCode(epoch)) * 31
                    + Arrays.hashCode(state) + (release ? 1 : 0);
        }

        @Override
        public String toString() {
            return "SaveSession[clientId=" + clientId + ", nodeId=" + nodeId + ", epoch=" + epoch + ", state="
                    + state.length + " bytes, release=" + release + "]";
        }
    }

    /**
     * Gives {@code nodeId} back its claim on {@code clientId} at {@code epoch}, after the node's
     * lease lapsed and its claims were released, if nobody has claimed the client since.
     */
    record ReclaimSession(String clientId, String nodeId, long epoch) implements Command {}

    /**
     * Sets, replaces or clears a topic's retained message. {@code maxTopics} &gt; 0 bounds how many
     * topics may hold one: a new topic beyond it is refused (replacing and clearing always work).
     */
    record Retain(RetainedMessage message, int maxTopics) implements Command {
        public Retain {
            if (maxTopics < 0) {
                throw new IllegalArgumentException("maxTopics must not be negative, not " + maxTopics);
            }
        }

        public Retain(RetainedMessage message) {
            this(message, 0);
        }
    }

    record StoreWill(String nodeId, long epoch, WillMessage will) implements Command {}

    record ClearWill(String nodeId, String clientId, long epoch) implements Command {}

    record TakeWills(String nodeId) implements Command {}

    /** Drops the nodes whose lease ended at or before the entry's time. Sent by the meta leader. */
    record ExpireLeases() implements Command {}

    /** Ends the unowned persistent sessions whose expiry time has come (a bounded number per entry). Sent by the meta leader. */
    record ExpireSessions() implements Command {}

    /**
     * Several commands applied in order as one log entry, in one atomic write; the reply holds one
     * result per command. A batch never contains a batch.
     */
    record Batch(List<Command> commands) implements Command {
        public Batch {
            commands = List.copyOf(commands);
            if (commands.stream().anyMatch(c -> c instanceof Batch)) {
                throw new IllegalArgumentException("a meta command batch cannot contain a batch");
            }
        }
    }

    /** True for commands that change what {@link ViewChange}s describe, so the writer's view must catch up. */
    default boolean changesView() {
        if (this instanceof Batch b) {
            return b.commands().stream().anyMatch(Command::changesView);
        }
        // A clean claim ends a persistent session, whose subscriptions hold filters; so do expiry and drop.
        return this instanceof Heartbeat || this instanceof Leave || this instanceof AddFilter
                || this instanceof RemoveFilter || this instanceof AddSubscription
                || this instanceof RemoveSubscription || this instanceof DropSession
                || this instanceof ExpireLeases || this instanceof ExpireSessions
                || (this instanceof ClaimSession c && c.clean());
    }
}
