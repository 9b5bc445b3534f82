package org.rmqtt.gateway.connection;

import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing a connection for a reason the operator may need: counted, and one DEBUG line that says why. */
public final class Disconnects {
    private static final Logger LOG = LoggerFactory.getLogger(Disconnects.class);

    private Disconnects() {
    }

    /**
     * The client broke the protocol: MQTT 3.1.1 (§4.8) says close the network connection. Only the
     * first reason of a connection is counted.
     */
    public static void protocolViolation(Channel channel, Violation violation, String reason) {
        ConnectionContext ctx = ConnectionContext.find(channel);
        if (ctx != null && ctx.markViolated()) {
            ctx.violations().increment(violation);
        }
        LOG.debug("Closing {} ({}): {} [{}]", channel.remoteAddress(), clientId(channel), reason, violation);
        channel.close();
    }

    /**
     * Refused at accept by a limit: counted and closed without a line per connection, since a flood
     * would turn one line each into a flood of lines; the limit's handler logs a throttled summary.
     */
    public static void refused(Channel channel, Violation violation) {
        ConnectionContext ctx = ConnectionContext.find(channel);
        if (ctx != null && ctx.markViolated()) {
            ctx.violations().increment(violation);
        }
        channel.close();
    }

    public static String clientId(Channel channel) {
        ConnectionContext ctx = ConnectionContext.find(channel);
        return ctx != null && ctx.session() != null ? ctx.session().clientId() : "-";
    }
}
