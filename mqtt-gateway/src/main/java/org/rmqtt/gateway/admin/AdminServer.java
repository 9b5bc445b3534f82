package org.rmqtt.gateway.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.rmqtt.gateway.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP listener: Netty's HTTP codec on one event loop thread of its own, so that
 * operators are served however busy the MQTT workers are (and cannot slow them).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** The largest request body: a publish of a 1 MiB payload in base64, with room to spare. */
    static final int MAX_BODY = 2 << 20;
    private static final int IDLE_SECONDS = 60;
    /** How long the rest of a refused body is drained before the connection is closed anyway. */
    private static final int LINGER_SECONDS = 5;

    private final EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("rmqtt-admin", true));
    private final AdminHttpHandler handler;
    private Channel channel;

    /**
     * @param token   null: no token asked for
     * @param metrics the Prometheus text for {@code /metrics}; null: no such route
     */
    public AdminServer(ClusterAdmin admin, AdminToken token, Supplier<String> metrics) {
        this.handler = new AdminHttpHandler(new AdminRoutes(admin, metrics), token);
    }

    /** Binds; {@code port} 0 picks a free one. Failing to bind stops start-up with a message naming the key. */
    public InetSocketAddress bind(String host, int port) {
        try {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec())
                                    .addLast(new JsonBodyLimit(MAX_BODY))
                                    .addLast(handler);
                        }
                    }).bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) { // a BindException is thrown unchecked by syncUninterruptibly
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new GatewayException("admin.port: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InetSocketAddress address = (InetSocketAddress) channel.localAddress();
        LOG.info("Admin API on http://{}:{}", host, address.getPort());
        return address;
    }

    /**
     * Refuses a body over the limit with 413 and a JSON error, as every other refusal. The rest of
     * the body is still arriving: closing at once would reset the connection over unread bytes and
     * the client could lose the 413, so the output is shut after the response and the input drained
     * (the aggregator discards it) until the client closes or {@link #LINGER_SECONDS} pass.
     */
    private static final class JsonBodyLimit extends HttpObjectAggregator {
        JsonBodyLimit(int max) {
            super(max);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            byte[] body = Json.bytes(Map.of("error", "request body over " + MAX_BODY + " bytes"));
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(written -> {
                if (!written.isSuccess() || !(ctx.channel() instanceof SocketChannel socket)) {
                    ctx.close();
                    return;
                }
                socket.shutdownOutput();
                ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
            });
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
