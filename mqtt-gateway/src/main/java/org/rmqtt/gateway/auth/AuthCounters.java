package org.rmqtt.gateway.auth;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Outcomes of authentication and authorization, for tests and metrics. Cheap to bump from any thread. */
public final class AuthCounters {

    public enum Name {
        /** CONNECTs let in. */
        ALLOWED,
        /** CONNECTs refused with 0x04 (bad user name or password). */
        BAD_CREDENTIALS,
        /** CONNECTs refused with 0x05 (not authorized). */
        NOT_AUTHORIZED,
        /** CONNECTs refused with 0x03 because a check could not be made (HTTP hook, overload). */
        UNAVAILABLE,
        /** PUBLISHes dropped (and acknowledged) because the ACL denies the topic. */
        PUBLISH_DENIED,
        /** Filters refused with SUBACK 0x80 because the ACL denies them. */
        SUBSCRIBE_DENIED,
        /** Wills dropped at CONNECT because the ACL denies their topic. */
        WILL_DENIED
    }

    private final Map<Name, LongAdder> values = new EnumMap<>(Name.class);

    public AuthCounters() {
        for (Name name : Name.values()) {
            values.put(name, new LongAdder());
        }
    }

    public void increment(Name name) {
        values.get(name).increment();
    }

    public long get(Name name) {
        return values.get(name).sum();
    }

    public Map<Name, Long> snapshot() {
        Map<Name, Long> copy = new EnumMap<>(Name.class);
        values.forEach((name, value) -> copy.put(name, value.sum()));
        return copy;
    }
}
