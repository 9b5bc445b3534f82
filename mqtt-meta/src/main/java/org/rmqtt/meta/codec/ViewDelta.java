package org.rmqtt.meta.codec;

import java.util.List;

/**
 * Answer to {@link Query.ViewChanges}.
 *
 * @param covered      false if the server no longer has every change since the asked index:
 *                     the client must reload the whole view
 * @param throughIndex the changes are complete up to this log index
 * @param changes      the changes in log order
 */
public record ViewDelta(boolean covered, long throughIndex, List<ViewChange> changes) {}
