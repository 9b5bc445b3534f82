package org.rmqtt.gateway.connection;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Last in the pipeline: whatever a handler threw closes only that connection. */
@ChannelHandler.Sharable
public final class ExceptionHandler extends ChannelInboundHandlerAdapter {
    public static final ExceptionHandler INSTANCE = new ExceptionHandler();
    private static final Logger LOG = LoggerFactory.getLogger(ExceptionHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // Resets and broken pipes are the normal life of mobile clients.
            LOG.debug("I/O error on {} ({}): {}", ctx.channel().remoteAddress(), Disconnects.clientId(ctx.channel()), cause.toString());
        } else {
            LOG.warn("Closing {} ({}) after an unexpected error", ctx.channel().remoteAddress(), Disconnects.clientId(ctx.channel()), cause);
        }
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        io.netty.util.ReferenceCountUtil.release(msg);
        Disconnects.protocolViolation(ctx.channel(), Violation.UNEXPECTED_PACKET, "unexpected packet " + msg.getClass().getSimpleName());
    }
}
