package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * mqtt.connectTimeoutSeconds as a deadline from accept to a complete CONNECT. The idle handler
 * alone only sees silence: a client that trickles the bytes of a CONNECT it never finishes, a
 * byte now and then, would hold its connection (and a slot of limits.maxConnections) for ever.
 * One instance per channel.
 */
public final class ConnectDeadlineHandler extends ChannelInboundHandlerAdapter {
    private final long timeoutMillis;
    private ScheduledFuture<?> deadline;

    public ConnectDeadlineHandler(int connectTimeoutSeconds) {
        this.timeoutMillis = TimeUnit.SECONDS.toMillis(connectTimeoutSeconds);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx); // added to a channel already active (in-process tests): channelActive is past
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (deadline != null) {
            return;
        }
        deadline = ctx.executor().schedule(() -> {
            ConnectionContext cc = ConnectionContext.find(ctx.channel());
            if (ctx.channel().isActive() && cc != null && cc.state() == ConnectionContext.State.AWAITING_CONNECT) {
                Disconnects.protocolViolation(ctx.channel(), Violation.CONNECT_TIMEOUT,
                        "no complete CONNECT within " + timeoutMillis / 1000 + " s of accept");
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (deadline != null) {
            deadline.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
