package org.rmqtt.meta.codec;

import org.rmqtt.meta.GatewayNode;

/**
 * A change to the part of the meta state that clients mirror locally: live nodes and who holds
 * which filter. Each change sets or unsets one entry, so replaying a change already applied is
 * harmless; that is what lets a client combine a paged dump with the changes made meanwhile.
 */
public sealed interface ViewChange {

    record NodeUp(GatewayNode node) implements ViewChange {}

    record NodeDown(String nodeId) implements ViewChange {}

    /** {@code nodeId} null: the filter is held by persistent sessions (one or more). */
    record FilterHeld(String filter, String nodeId) implements ViewChange {}

    /** {@code nodeId} null: no persistent session holds the filter any more. */
    record FilterReleased(String filter, String nodeId) implements ViewChange {}
}
