package org.rmqtt.gateway.connection;

import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing a connection for a reason the operator may need: one log line that says why. */
public final class Disconnects {
    private static final Logger LOG = LoggerFactory.getLogger(Disconnects.class);

    private Disconnects() {
    }

    /** The client broke the protocol (MQTT 3.1.1 says: close the network connection). */
    public static void protocolViolation(Channel channel, String reason) {
        LOG.info("Closing {} ({}): {}", channel.remoteAddress(), clientId(channel), reason);
        channel.close();
    }

    public static String clientId(Channel channel) {
        ConnectionContext ctx = ConnectionContext.find(channel);
        return ctx != null && ctx.session() != null ? ctx.session().clientId() : "-";
    }
}
