package org.rmqtt.gateway.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.rmqtt.gateway.connect.ConnectHandler;
import org.rmqtt.gateway.connect.IdleCloseHandler;
import org.rmqtt.gateway.connect.PingDisconnectHandler;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.ExceptionHandler;
import org.rmqtt.gateway.connection.MalformedPacketHandler;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.metrics.GatewayMetrics;
import org.rmqtt.gateway.limits.ConnectDeadlineHandler;
import org.rmqtt.gateway.limits.ConnectRateHandler;
import org.rmqtt.gateway.limits.ConnectionLimitHandler;
import org.rmqtt.gateway.limits.Limits;
import org.rmqtt.gateway.limits.PublishRateHandler;
import org.rmqtt.gateway.limits.SlowReaderHandler;
import org.rmqtt.gateway.limits.TopicLimitHandler;
import org.rmqtt.gateway.publish.PublishHandler;
import org.rmqtt.gateway.session.DeliveryHandler;
import org.rmqtt.gateway.subscribe.SubscribeHandler;

/** One handler per concern, in the order a packet meets them; the exception handler is last. */
public final class MqttChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final int connectTimeoutSeconds;
    private final int maxMessageSize;
    private final ConnectHandler connect;
    private final PublishHandler publish;
    private final SubscribeHandler subscribe;
    private final ViolationCounters violations;
    private final Limits limits;
    private final ConnectRateHandler connectRate;
    private final TopicLimitHandler topicLimit;
    /** Null: no metrics handlers (tests of the protocol alone). */
    private final GatewayMetrics metrics;

    public MqttChannelInitializer(int connectTimeoutSeconds, int maxMessageSize, ConnectHandler connect, PublishHandler publish,
                                  SubscribeHandler subscribe, ViolationCounters violations) {
        this(connectTimeoutSeconds, maxMessageSize, connect, publish, subscribe, violations, Limits.none(), null);
    }

    /**
     * With the limits.* that shed abuse ({@code limits} is shared by all channels of the gateway)
     * and the gateway's metrics (null: none).
     */
    public MqttChannelInitializer(int connectTimeoutSeconds, int maxMessageSize, ConnectHandler connect, PublishHandler publish,
                                  SubscribeHandler subscribe, ViolationCounters violations, Limits limits,
                                  GatewayMetrics metrics) {
        this.limits = limits;
        this.connectRate = new ConnectRateHandler(limits);
        this.topicLimit = new TopicLimitHandler(limits);
        this.metrics = metrics;
        this.connectTimeoutSeconds = connectTimeoutSeconds;
        this.maxMessageSize = maxMessageSize;
        this.connect = connect;
        this.publish = publish;
        this.subscribe = subscribe;
        this.violations = violations;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ConnectionContext.attach(ch, violations);
        ChannelPipeline p = ch.pipeline();
        p.addLast(HandlerNames.CONNECT_RATE, connectRate);
        p.addLast(HandlerNames.CONNECTION_LIMIT, new ConnectionLimitHandler(limits));
        p.addLast(HandlerNames.CONNECT_DEADLINE, new ConnectDeadlineHandler(connectTimeoutSeconds));
        p.addLast(HandlerNames.SLOW_READER, new SlowReaderHandler(limits));
        p.addLast(HandlerNames.IDLE, new IdleStateHandler(connectTimeoutSeconds, 0, 0, TimeUnit.SECONDS));
        p.addLast(HandlerNames.IDLE_CLOSE, IdleCloseHandler.INSTANCE);
        p.addLast(HandlerNames.DECODER, new MqttDecoder(maxMessageSize));
        p.addLast(HandlerNames.ENCODER, MqttEncoder.INSTANCE);
        if (metrics != null) {
            // Bytes as they cross the socket; packets as the decoder and the handlers see them.
            p.addFirst(HandlerNames.BYTE_METRICS, metrics.byteCounter());
            p.addLast(HandlerNames.PACKET_METRICS, metrics.packetCounter());
        }
        p.addLast(HandlerNames.MALFORMED, MalformedPacketHandler.INSTANCE);
        p.addLast(HandlerNames.TOPIC_LIMIT, topicLimit);
        p.addLast(HandlerNames.CONNECT, connect);
        p.addLast(HandlerNames.PUBLISH_RATE, new PublishRateHandler(limits));
        p.addLast(HandlerNames.PUBLISH, publish);
        p.addLast(HandlerNames.SUBSCRIBE, subscribe);
        p.addLast(HandlerNames.DELIVERY, DeliveryHandler.INSTANCE);
        p.addLast(HandlerNames.PING, PingDisconnectHandler.INSTANCE);
        p.addLast(HandlerNames.EXCEPTION, ExceptionHandler.INSTANCE);
    }
}
