package org.rmqtt.meta.codec;

import java.util.List;

/**
 * Answer to {@link Query.ViewDump}: entries of the current view as "set" changes.
 *
 * @param appliedIndex the state machine's applied index when the page was read
 * @param entries      the page's entries
 * @param nextCursor   where the next page starts, or null after the last page
 */
public record ViewPage(long appliedIndex, List<ViewChange> entries, byte[] nextCursor) {}
