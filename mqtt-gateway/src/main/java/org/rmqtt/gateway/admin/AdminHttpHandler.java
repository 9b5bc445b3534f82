package org.rmqtt.gateway.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.rmqtt.meta.MetaUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin request: checks the token, routes it, and writes the JSON reply when its future
 * completes (from whatever thread; never waits on the loop). Errors become {@code {"error": ...}}
 * with a 4xx or 5xx status, never a stack trace.
 */
@Sharable
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final AdminRoutes routes;
    /** Null: no token is asked for (loopback only, enforced by the configuration). */
    private final AdminToken token;

    AdminHttpHandler(AdminRoutes routes, AdminToken token) {
        this.routes = routes;
        this.token = token;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, false, new ClusterAdmin.Reply(400, error("malformed HTTP request")), null);
            return;
        }
        if (token != null && !token.accepts(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            write(ctx, keepAlive, new ClusterAdmin.Reply(401, error("missing or wrong token: send Authorization: Bearer <token>")),
                    null);
            return;
        }
        String what = request.method() + " " + request.uri();
        byte[] body = ByteBufUtil.getBytes(request.content());
        CompletableFuture<ClusterAdmin.Reply> reply;
        try {
            reply = routes.route(request.method(), request.uri(), body);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((ok, error) -> {
            if (error == null) {
                write(ctx, keepAlive, ok, null);
            } else {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                write(ctx, keepAlive, failure(what, cause), cause instanceof AdminRoutes.MethodNotAllowed m ? m.allow : null);
            }
        });
    }

    private static ClusterAdmin.Reply failure(String what, Throwable cause) {
        if (cause instanceof AdminException e) {
            return new ClusterAdmin.Reply(e.status(), error(e.getMessage()));
        }
        if (cause instanceof IllegalArgumentException) {
            return new ClusterAdmin.Reply(400, error(cause.getMessage()));
        }
        if (cause instanceof MetaUnavailableException || cause instanceof TimeoutException) {
            return new ClusterAdmin.Reply(503, error("unavailable: " + ClusterAdmin.message(cause)));
        }
        LOG.warn("Admin request {} failed", what, cause);
        return new ClusterAdmin.Reply(500, error("internal error: " + ClusterAdmin.message(cause)));
    }

    private static Map<String, String> error(String message) {
        return Map.of("error", message == null ? "unknown" : message);
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, ClusterAdmin.Reply reply, String allow) {
        byte[] bytes;
        String type;
        if (reply.body() instanceof AdminRoutes.Text text) {
            bytes = text.text().getBytes(StandardCharsets.UTF_8);
            type = text.contentType();
        } else {
            bytes = Json.bytes(reply.body());
            type = "application/json";
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Admin connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
