package org.rmqtt.gateway.connect;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Disconnects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that sent nothing for too long: no CONNECT within the connect timeout, or
 * nothing within 1.5 × the keep-alive (MQTT-3.1.2-24).
 */
@ChannelHandler.Sharable
public final class IdleCloseHandler extends ChannelInboundHandlerAdapter {
    public static final IdleCloseHandler INSTANCE = new IdleCloseHandler();
    private static final Logger LOG = LoggerFactory.getLogger(IdleCloseHandler.class);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ConnectionContext cc = ConnectionContext.find(ctx.channel());
            boolean connected = cc != null && cc.state() == ConnectionContext.State.CONNECTED;
            LOG.debug("Closing {} ({}): {}", ctx.channel().remoteAddress(), Disconnects.clientId(ctx.channel()),
                    connected ? "keep-alive expired" : "no CONNECT in time");
            ctx.close();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }
}
