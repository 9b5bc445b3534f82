package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandler;
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
 * limits.connectRatePerIp: a connection from an address that opens them faster is closed as soon
 * as it is accepted, before anything is read from it. A flood gets one WARN per minute, not a
 * line per connection.
 */
@ChannelHandler.Sharable
public final class ConnectRateHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectRateHandler.class);
    private static final ThrottledWarning FLOOD = new ThrottledWarning(LOG, Duration.ofMinutes(1));

    private final Limits limits;

    public ConnectRateHandler(Limits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = SourceAddress.of(ctx.channel());
        if (!limits.connectAllowed(address)) {
            FLOOD.warn("connect-rate", "Refusing connections over limits.connectRatePerIp, e.g. from {}", address.getHostAddress());
            Disconnects.refused(ctx.channel(), Violation.CONNECT_RATE);
            return; // not passed on: no handler behind starts timers or reads for it
        }
        super.channelActive(ctx);
    }
}
