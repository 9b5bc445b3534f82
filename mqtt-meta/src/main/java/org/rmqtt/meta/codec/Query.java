package org.rmqtt.meta.codec;

/** A read of the meta state, served by the state machine without going through the log. */
public sealed interface Query {

    /** The view changes after {@code sinceIndex}, answered with a {@link ViewDelta}. */
    record ViewChanges(long sinceIndex) implements Query {}

    /** One page of the whole view, after {@code cursor} (null for the first), answered with a {@link ViewPage}. */
    record ViewDump(byte[] cursor, int limit) implements Query {}

    /** Answered with a list of subscriptions. */
    record Subscriptions(String clientId) implements Query {}

    /** Answered with an optional stored session. */
    record Session(String clientId) implements Query {}

    /** Answered with a list of retained messages. */
    record Retained(String filter) implements Query {}

    /** Answered with at most {@code limit} session summaries of client ids starting with {@code prefix}, sorted. */
    record Sessions(String prefix, int limit) implements Query {}
}
