package org.rmqtt.gateway.connection;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicReference;
import org.rmqtt.gateway.session.Session;

/**
 * Per-channel state, kept as a channel attribute. The lifecycle only moves forward, by
 * compare-and-set, so a CONNECT racing a close cannot resurrect a connection.
 */
public final class ConnectionContext {
    private static final AttributeKey<ConnectionContext> KEY = AttributeKey.valueOf("rmqtt.connection");

    public enum State { AWAITING_CONNECT, CONNECTING, CONNECTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.AWAITING_CONNECT);
    private final ViolationCounters violations;
    /** Set by the first protocol violation: one closed connection counts once. */
    private boolean violated;
    private volatile Session session;
    /** Set when the client said DISCONNECT: the will is then never published. */
    private volatile boolean gracefulDisconnect;

    public static ConnectionContext of(Channel channel) {
        ConnectionContext ctx = channel.attr(KEY).get();
        if (ctx == null) {
            throw new IllegalStateException("channel " + channel + " has no connection context");
        }
        return ctx;
    }

    /** The context, or null before {@link #attach}. */
    public static ConnectionContext find(Channel channel) {
        return channel.attr(KEY).get();
    }

    public static void attach(Channel channel, ViolationCounters violations) {
        channel.attr(KEY).set(new ConnectionContext(violations));
    }

    private ConnectionContext(ViolationCounters violations) {
        this.violations = violations;
    }

    /** The gateway's counters of closed connections, per reason. */
    public ViolationCounters violations() {
        return violations;
    }

    /** True for the first violation of this connection only; on the channel's event loop. */
    boolean markViolated() {
        boolean first = !violated;
        violated = true;
        return first;
    }

    public State state() {
        return state.get();
    }

    public boolean transition(State from, State to) {
        return state.compareAndSet(from, to);
    }

    /** Marks the connection closed; true only for the first caller. */
    public boolean markClosed() {
        return state.getAndSet(State.CLOSED) != State.CLOSED;
    }

    public Session session() {
        return session;
    }

    public void session(Session session) {
        this.session = session;
    }

    public boolean gracefulDisconnect() {
        return gracefulDisconnect;
    }

    public void markGracefulDisconnect() {
        this.gracefulDisconnect = true;
    }
}
