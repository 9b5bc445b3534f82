package org.rmqtt.meta;

/**
 * The outcome of {@link MetaClient#claimSession}.
 *
 * @param epoch          the epoch the caller now owns the session at
 * @param previousNodeId the node that owned it before, or null if nobody did
 * @param previousEpoch  the epoch of that previous ownership, 0 if none
 */
public record SessionClaim(long epoch, String previousNodeId, long previousEpoch) {
    public boolean displaced() {
        return previousNodeId != null;
    }
}
