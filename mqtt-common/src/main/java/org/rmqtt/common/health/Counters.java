package org.rmqtt.common.health;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of the things that go wrong under load or faults, so they are visible rather than
 * silent; read by tests now and exported as metrics later. Cheap to bump from any thread.
 */
public final class Counters {

    /** What is counted. */
    public enum Name {
        /** Notify events given up: backlog full, or not handed over before the retry window closed. */
        NOTIFY_EVENTS_DROPPED,
        /** Notify RPCs sent again after a failure. */
        NOTIFY_RETRIES,
        /** Notify requests this node refused: unknown sender, stale epoch, malformed body. */
        NOTIFY_REJECTED,
        /** Events queued to other nodes and not yet handed over (a gauge: up and down). */
        NOTIFY_BACKLOG,
        /** Cursors that the periodic catch-up found behind their LMQ's end (a lost or late event). */
        CATCH_UP_WAKEUPS,
        /** Catch-up rounds run, the LMQ end queries they made, and the time they took. */
        CATCH_UP_ROUNDS,
        CATCH_UP_QUERIES,
        CATCH_UP_MILLIS,
        /** Gateways that did not confirm a new filter in their view before SUBACK. */
        SUBSCRIBE_SYNC_TIMEOUTS,
        /** Meta calls that failed for want of a leader within the call timeout. */
        META_TIMEOUTS,
        /** Takeover requests ignored because this node's connection has the same or a newer epoch. */
        STALE_TAKEOVERS,
        /** Notify events queued to a node, this one included (dropped ones too). */
        NOTIFY_EVENTS_SENT,
        /** Notify events this node received, from itself or from other nodes. */
        NOTIFY_EVENTS_RECEIVED,
        /** Times a connection was not read for a while because it published faster than limits.publishRatePerClient. */
        PUBLISH_THROTTLED,
        /** Times a connection was not read because limits.maxStoringPerClient messages or bytes of it waited for the store. */
        PUBLISH_STORE_PAUSES,
        /** Times a connection was not read because its send buffer was full (a client that does not read its acknowledgements). */
        SEND_BUFFER_PAUSES,
        /** SUBSCRIBE filters refused (SUBACK 0x80) for being over limits.maxTopicLength or limits.maxTopicLevels. */
        FILTERS_OVER_TOPIC_LIMIT,
        /** CONNECTs let in by the authentication chain. */
        AUTH_ALLOWED,
        /** CONNECTs refused with 0x04 (bad user name or password). */
        AUTH_BAD_CREDENTIALS,
        /** CONNECTs refused with 0x05 (not authorized). */
        AUTH_NOT_AUTHORIZED,
        /** CONNECTs refused with 0x03 because a check could not be made (HTTP hook, overload). */
        AUTH_UNAVAILABLE,
        /** PUBLISHes dropped (and acknowledged) because the ACL denies the topic. */
        ACL_PUBLISH_DENIED,
        /** Filters refused with SUBACK 0x80 because the ACL denies them. */
        ACL_SUBSCRIBE_DENIED,
        /** Wills dropped at CONNECT because the ACL denies their topic. */
        ACL_WILL_DENIED
    }

    private final Map<Name, LongAdder> values = new EnumMap<>(Name.class);

    public Counters() {
        for (Name name : Name.values()) {
            values.put(name, new LongAdder());
        }
    }

    public void increment(Name name) {
        values.get(name).increment();
    }

    public void add(Name name, long delta) {
        values.get(name).add(delta);
    }

    public long get(Name name) {
        return values.get(name).sum();
    }

    /** Every counter's current value. */
    public Map<Name, Long> snapshot() {
        Map<Name, Long> copy = new EnumMap<>(Name.class);
        values.forEach((name, value) -> copy.put(name, value.sum()));
        return copy;
    }
}
