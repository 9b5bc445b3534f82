package org.rmqtt.gateway.websocket;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * In front of Netty's {@code WebSocketServerProtocolHandler}: lets through only a GET that asks
 * for a WebSocket upgrade on the configured path (a query string is allowed), then steps aside.
 * Anything else, including bytes that are not HTTP, gets an HTTP error and the connection closes
 * with a {@link Violation#NOT_WEBSOCKET}.
 */
public final class WebSocketUpgradeCheck extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final String path;

    public WebSocketUpgradeCheck(String path) {
        super(false);
        this.path = path;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpResponseStatus status;
        String reason;
        if (request.decoderResult().isFailure()) {
            status = HttpResponseStatus.BAD_REQUEST;
            reason = "not HTTP: " + request.decoderResult().cause().getMessage();
        } else if (!new QueryStringDecoder(request.uri()).path().equals(path)) {
            status = HttpResponseStatus.NOT_FOUND;
            reason = "HTTP " + request.method() + " on path " + abbreviate(request.uri()) + ", not " + path;
        } else if (!HttpMethod.GET.equals(request.method())) {
            status = HttpResponseStatus.METHOD_NOT_ALLOWED;
            reason = "HTTP " + request.method() + " instead of a WebSocket upgrade";
        } else if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            status = HttpResponseStatus.BAD_REQUEST;
            reason = "HTTP GET without a WebSocket upgrade";
        } else {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(request);
            return;
        }
        request.release();
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        Disconnects.protocolViolation(ctx.channel(), Violation.NOT_WEBSOCKET, reason);
    }

    private static String abbreviate(String uri) {
        return uri.length() > 100 ? uri.substring(0, 100) + "..." : uri;
    }
}
