package org.rmqtt.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.rmqtt.gateway.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The MQTT listeners (TCP, TLS, WebSocket), all on one set of event loops. Uses epoll where the platform has it. */
public final class MqttServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean epoll = Epoll.isAvailable();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** Read by the admin API's readiness probe on its own thread. */
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();

    public MqttServer() {
        boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("mqtt-accept"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("mqtt-accept"));
        workers = epoll ? new EpollEventLoopGroup(0, new DefaultThreadFactory("mqtt-io"))
                : new NioEventLoopGroup(0, new DefaultThreadFactory("mqtt-io"));
    }

    public InetSocketAddress bind(String host, int port, ChannelInitializer<SocketChannel> initializer) {
        return bind("MQTT", host, port, initializer);
    }

    /** Another listener on the same event loops; {@code name} says which in the log and in errors. */
    public InetSocketAddress bind(String name, String host, int port, ChannelInitializer<SocketChannel> initializer) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(initializer);
                    }
                });
        Channel listener;
        try {
            listener = bootstrap.bind(host, port).sync().channel();
        } catch (Exception e) {
            throw new GatewayException("cannot listen for " + name + " on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        listeners.add(listener);
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        LOG.info("{} listening on {}:{} ({})", name, address.getHostString(), address.getPort(), epoll ? "epoll" : "nio");
        return address;
    }

    /** Whether every listener is bound and open (readiness). */
    public boolean listening() {
        return !listeners.isEmpty() && listeners.stream().allMatch(Channel::isActive);
    }

    public int connectionCount() {
        return channels.size();
    }

    @Override
    public void close() {
        listeners.forEach(listener -> listener.close().syncUninterruptibly());
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
