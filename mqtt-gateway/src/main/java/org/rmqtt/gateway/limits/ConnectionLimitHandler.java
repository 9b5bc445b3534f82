package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.time.Duration;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * limits.maxConnections and limits.maxConnectionsPerIp: a connection over either is closed as
 * soon as it is accepted, before anything is read from it; an accepted one is counted until it
 * closes. One instance per channel: it remembers whether it counted its channel.
 */
public final class ConnectionLimitHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimitHandler.class);
    private static final ThrottledWarning FULL = new ThrottledWarning(LOG, Duration.ofMinutes(1));

    private final Limits limits;
    private InetAddress counted;
    private boolean acquired;

    public ConnectionLimitHandler(Limits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (limits.limitsConnections()) {
            InetAddress address = SourceAddress.of(ctx.channel());
            Violation over = limits.acquire(address);
            if (over != null) {
                FULL.warn(over.name(), "Refusing connections over {}, e.g. from {}",
                        over == Violation.MAX_CONNECTIONS ? "limits.maxConnections" : "limits.maxConnectionsPerIp",
                        address == null ? "-" : address.getHostAddress());
                Disconnects.refused(ctx.channel(), over);
                return; // not passed on: no handler behind starts timers or reads for it
            }
            counted = address;
            acquired = true;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (acquired) {
            acquired = false;
            limits.release(counted);
        }
        super.channelInactive(ctx);
    }
}
