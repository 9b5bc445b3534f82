package org.rmqtt.gateway.session;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.meta.RetainedMessage;

/**
 * One filter a session subscribed to, and where it has read up to in the filter's LMQ on each
 * broker. Touched only on the session's event loop, except the immutable fields.
 */
public final class Subscription {
    private final Session session;
    private final String filter;
    private final String lmq;
    private volatile int qos;
    final Map<String, Cursor> cursors = new HashMap<>();
    /**
     * The retained messages a SUBSCRIBE found, until they are sent after the SUBACK; while not
     * null the LMQ is not read, so they go out before anything newer on their topics.
     */
    List<RetainedMessage> retainedToSend;
    /**
     * The retained messages just sent, by topic, until the first read of the LMQ: the publish that
     * stored one may be dispatched to the LMQ just behind the end the subscription started at
     * (LMQ dispatch is asynchronous), and is then not sent a second time.
     */
    Map<String, RetainedMessage> justRetained;

    Subscription(Session session, String filter, int qos) {
        this.session = session;
        this.filter = filter;
        this.lmq = LmqNames.of(filter);
        this.qos = qos;
    }

    public Session session() {
        return session;
    }

    public String filter() {
        return filter;
    }

    public String lmq() {
        return lmq;
    }

    public int qos() {
        return qos;
    }

    void qos(int qos) {
        this.qos = qos;
    }

    /** Read position in the LMQ on one broker. */
    static final class Cursor {
        final String broker;
        /** Next offset to pull. */
        long nextOffset;
        /** One past the highest offset an event said exists. */
        long knownEnd;
        boolean pulling;
        boolean retryScheduled;
        int emptyPulls;
        /** Messages below this offset may have been delivered before a crash: sent with DUP=1. */
        long dupBelow;

        Cursor(String broker, long nextOffset) {
            this.broker = broker;
            this.nextOffset = nextOffset;
            this.knownEnd = nextOffset;
        }
    }
}
