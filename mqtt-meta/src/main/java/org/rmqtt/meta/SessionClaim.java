package org.rmqtt.meta;

/**
 * The outcome of {@link MetaClient#claimSession}.
 *
 * @param epoch          the epoch the caller now owns the session at
 * @param previousNodeId the node that owned it before (a connection still open there), or null
 * @param previousEpoch  the epoch of that previous ownership, 0 if none
 * @param session        the persistent session found, or null: for a clean claim, or when no
 *                       persistent session existed (then a new, empty one was created). Non-null
 *                       means the client gets sessionPresent=1.
 */
public record SessionClaim(long epoch, String previousNodeId, long previousEpoch, StoredSession session) {
    public SessionClaim(long epoch, String previousNodeId, long previousEpoch) {
        this(epoch, previousNodeId, previousEpoch, null);
    }

    public boolean displaced() {
        return previousNodeId != null;
    }

    public boolean sessionPresent() {
        return session != null;
    }
}
