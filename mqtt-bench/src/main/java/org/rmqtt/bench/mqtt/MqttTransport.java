package org.rmqtt.bench.mqtt;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and socket setup shared by all connections of a run (epoll where available).
 * Close it to stop the I/O threads.
 */
public final class MqttTransport implements AutoCloseable {

    /** Largest packet accepted from the server: the largest payload plus room for the topic. */
    private static final int MAX_PACKET = 16 * 1024 * 1024 + 65_536;
    /** Flushes merged into one write syscall at most; a burst of acks or publishes leaves together. */
    private static final int FLUSH_BATCH = 64;

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;

    public MqttTransport(int ioThreads, int connectTimeoutMillis) {
        boolean epoll = Epoll.isAvailable();
        // Netty's default is two threads per CPU; on a machine shared with the server, fewer switches win.
        ioThreads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        DefaultThreadFactory threads = new DefaultThreadFactory("bench-io", true);
        this.group = epoll ? new EpollEventLoopGroup(ioThreads, threads) : new NioEventLoopGroup(ioThreads, threads);
        this.bootstrap = new Bootstrap()
            .group(group)
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
    }

    ChannelFuture connect(InetSocketAddress server, InetSocketAddress local, MqttConnection connection) {
        return bootstrap.clone()
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    int keepAlive = connection.keepAliveSeconds();
                    if (keepAlive > 0) {
                        // PINGREQ after keep-alive/2 without writing; give up after 1.5 x keep-alive without reading.
                        ch.pipeline().addLast(new IdleStateHandler(keepAlive * 1500L, keepAlive * 500L, 0, TimeUnit.MILLISECONDS));
                    }
                    ch.pipeline().addLast(new FlushConsolidationHandler(FLUSH_BATCH, true));
                    ch.pipeline().addLast(new MqttDecoder(MAX_PACKET));
                    ch.pipeline().addLast(MqttEncoder.INSTANCE);
                    ch.pipeline().addLast(connection.new Handler());
                }
            })
            .connect(server, local);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
