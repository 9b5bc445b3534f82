package org.rmqtt.gateway.connect;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * Closes a connection that sent nothing for too long: no CONNECT within the connect timeout, or
 * nothing within 1.5 × the keep-alive (MQTT-3.1.2-24).
 */
@ChannelHandler.Sharable
public final class IdleCloseHandler extends ChannelInboundHandlerAdapter {
    public static final IdleCloseHandler INSTANCE = new IdleCloseHandler();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ConnectionContext cc = ConnectionContext.find(ctx.channel());
            boolean connected = cc != null && cc.state() == ConnectionContext.State.CONNECTED;
            if (connected) {
                Disconnects.protocolViolation(ctx.channel(), Violation.KEEP_ALIVE_EXPIRED, "keep-alive expired (MQTT-3.1.2-24)");
            } else {
                Disconnects.protocolViolation(ctx.channel(), Violation.CONNECT_TIMEOUT, "no CONNECT in time");
            }
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }
}
