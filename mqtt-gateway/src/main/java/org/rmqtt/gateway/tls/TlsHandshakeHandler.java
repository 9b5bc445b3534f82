package org.rmqtt.gateway.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import javax.net.ssl.SSLException;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right after the {@link SslHandler}: a failed handshake (not TLS at all, a refused client
 * certificate, a timeout) closes the connection with one DEBUG line and a {@link Violation}. The
 * SslHandler reports a failure twice, as an event and as an exception; the event is the one counted.
 */
@ChannelHandler.Sharable
public final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    public static final TlsHandshakeHandler INSTANCE = new TlsHandshakeHandler();
    private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakeHandler.class);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            Throwable cause = done.cause();
            if (cause instanceof NotSslRecordException) {
                Disconnects.protocolViolation(ctx.channel(), Violation.NOT_TLS, "not TLS on a TLS listener (plain MQTT?)");
            } else if (cause instanceof SslHandshakeTimeoutException) {
                Disconnects.protocolViolation(ctx.channel(), Violation.TLS_HANDSHAKE, "TLS handshake timed out");
            } else {
                Disconnects.protocolViolation(ctx.channel(), Violation.TLS_HANDSHAKE, "TLS handshake failed: " + describe(cause));
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tls = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (!(tls instanceof SSLException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null || ssl.handshakeFuture().isSuccess()) {
            // A broken record after the handshake: as good as a reset connection.
            LOG.debug("TLS error on {} ({}): {}", ctx.channel().remoteAddress(), Disconnects.clientId(ctx.channel()), tls.toString());
        }
        // During the handshake the completion event above has said why.
        ctx.close();
    }

    /** The innermost message: the JDK and OpenSSL wrap the reason (expired, unknown CA...) a few times. */
    private static String describe(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        for (Throwable t = cause.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                message = message + "; " + t.getMessage();
            }
        }
        return message.length() > 400 ? message.substring(0, 400) + "..." : message;
    }
}
