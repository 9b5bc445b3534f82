package org.rmqtt.bench.mqtt;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal MQTT 3.1.1 client connection on Netty's codec: just what a benchmark needs (CONNECT
 * with a clean or a persistent session, SUBSCRIBE, PUBLISH at QoS 0/1/2 both ways, keep-alive, DISCONNECT), with no
 * per-message thread hop, so the load generator costs a fraction of the server it measures.
 *
 * <p>Threading: {@link #publish} may be called from any thread; everything else about the
 * channel's state runs on its event loop. Futures complete on the event loop.
 */
public final class MqttConnection {

    /** MQTT packet ids are 1..65535. */
    private static final int PACKET_IDS = 65536;

    private final MqttTransport transport;
    private final String clientId;
    private final InetSocketAddress server;
    private final InetSocketAddress local;
    private final int keepAliveSeconds;
    private final boolean cleanSession;
    private final AtomicInteger nextPacketId = new AtomicInteger();
    /**
     * Outgoing QoS 1/2 publishes and SUBSCRIBEs awaiting their final ack, by packet id. A map, not
     * an array of 65,535 slots: 10,000 subscribers with a 256 KB array each would need 2.5 GB.
     */
    private final ConcurrentHashMap<Integer, CompletableFuture<Object>> pending = new ConcurrentHashMap<>(4);
    /** Incoming QoS 2 packet ids between PUBLISH and PUBREL: a resent PUBLISH must not be delivered twice. */
    private final Set<Integer> inboundQos2 = new HashSet<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile MessageHandler handler;
    private volatile Channel channel;

    MqttConnection(MqttTransport transport, String clientId, InetSocketAddress server, InetSocketAddress local,
                   int keepAliveSeconds, boolean cleanSession) {
        this.transport = transport;
        this.clientId = clientId;
        this.server = server;
        this.local = local;
        this.keepAliveSeconds = keepAliveSeconds;
        this.cleanSession = cleanSession;
    }

    int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    public String clientId() {
        return clientId;
    }

    public boolean isConnected() {
        Channel ch = channel;
        return connected.isDone() && !connected.isCompletedExceptionally() && ch != null && ch.isActive();
    }

    /** TCP connect, CONNECT, CONNACK; completes exceptionally on refusal, error or close. */
    public CompletableFuture<Void> connect() {
        ChannelFuture tcp = transport.connect(server, local, this);
        channel = tcp.channel();
        tcp.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                connected.completeExceptionally(f.cause());
                return;
            }
            f.channel().writeAndFlush(MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(clientId)
                .cleanSession(cleanSession)
                .keepAlive(keepAliveSeconds)
                .build());
        });
        return connected;
    }

    /**
     * Subscribes to one filter; every message then goes to {@code handler}.
     *
     * @return the granted QoS (0x80 = refused)
     */
    public CompletableFuture<Integer> subscribe(String filter, int qos, MessageHandler handler) {
        this.handler = handler;
        int id = allocate();
        CompletableFuture<Object> ack = register(id);
        channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(id).addSubscription(MqttQoS.valueOf(qos), filter).build())
            .addListener(failOnError(id));
        return ack.thenApply(granted -> (Integer) granted);
    }

    /**
     * Publishes one message. Completes on PUBACK (QoS 1), PUBCOMP (QoS 2) or, for QoS 0, once the
     * bytes were handed to the socket.
     */
    public CompletableFuture<Void> publish(String topic, int qos, byte[] payload) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        MqttMessageBuilders.PublishBuilder publish = MqttMessageBuilders.publish()
            .topicName(topic).qos(MqttQoS.valueOf(qos)).retained(false).payload(Unpooled.wrappedBuffer(payload));
        if (qos == 0) {
            CompletableFuture<Void> written = new CompletableFuture<>();
            ch.writeAndFlush(publish.messageId(0).build()).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    written.complete(null);
                } else {
                    written.completeExceptionally(f.cause());
                }
            });
            return written;
        }
        int id = allocate();
        CompletableFuture<Object> ack;
        try {
            ack = register(id);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        ch.writeAndFlush(publish.messageId(id).build()).addListener(failOnError(id));
        return ack.thenApply(ignored -> null);
    }

    /** Sends DISCONNECT and closes; completes when the channel is closed. */
    public CompletableFuture<Void> disconnect() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Channel ch = channel;
        if (ch == null) {
            closed.complete(null);
            return closed;
        }
        ch.closeFuture().addListener(f -> closed.complete(null));
        if (ch.isActive()) {
            ch.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0)))
                .addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
        return closed;
    }

    /**
     * Closes the socket without a DISCONNECT, as a network failure or a killed client would; the
     * server sees the connection lost. Completes when the channel is closed.
     */
    public CompletableFuture<Void> drop() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Channel ch = channel;
        if (ch == null) {
            closed.complete(null);
            return closed;
        }
        ch.close().addListener(f -> closed.complete(null));
        return closed;
    }

    private int allocate() {
        // 1..65535, round robin: with fewer than 65535 in flight an id is free again long before it comes round.
        return Math.floorMod(nextPacketId.getAndIncrement(), PACKET_IDS - 1) + 1;
    }

    private CompletableFuture<Object> register(int id) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        if (pending.putIfAbsent(id, future) != null) {
            throw new IllegalStateException("packet id " + id + " still in flight: more than 65535 unacknowledged messages");
        }
        return future;
    }

    private void complete(int id, Object value) {
        CompletableFuture<Object> future = pending.remove(id);
        if (future != null) {
            future.complete(value);
        }
    }

    private ChannelFutureListener failOnError(int id) {
        return f -> {
            if (!f.isSuccess()) {
                CompletableFuture<Object> future = pending.remove(id);
                if (future != null) {
                    future.completeExceptionally(f.cause());
                }
            }
        };
    }

    /** The connection's inbound handler: acks, deliveries and keep-alive. */
    final class Handler extends SimpleChannelInboundHandler<MqttMessage> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage message) {
            if (message.decoderResult().isFailure()) {
                fail(ctx, new IOException("undecodable packet from the server: " + message.decoderResult().cause()));
                return;
            }
            switch (message.fixedHeader().messageType()) {
                case CONNACK -> {
                    MqttConnectReturnCode code = ((MqttConnAckMessage) message).variableHeader().connectReturnCode();
                    if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                        connected.complete(null);
                    } else {
                        fail(ctx, new IOException("CONNACK refused the connection: " + code));
                    }
                }
                case PUBLISH -> onPublish(ctx, (MqttPublishMessage) message);
                case PUBACK, PUBCOMP -> complete(id(message), null);
                case PUBREC -> ctx.writeAndFlush(ack(MqttMessageType.PUBREL, MqttQoS.AT_LEAST_ONCE, id(message)));
                case PUBREL -> {
                    inboundQos2.remove(id(message));
                    ctx.writeAndFlush(ack(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, id(message)));
                }
                case SUBACK -> {
                    List<Integer> granted = ((MqttSubAckMessage) message).payload().grantedQoSLevels();
                    complete(((MqttSubAckMessage) message).variableHeader().messageId(), granted.isEmpty() ? 0x80 : granted.get(0));
                }
                default -> {
                    // PINGRESP and UNSUBACK need no action.
                }
            }
        }

        private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
            long now = System.nanoTime();
            int qos = publish.fixedHeader().qosLevel().value();
            int id = publish.variableHeader().packetId();
            boolean deliver = qos < 2 || inboundQos2.add(id);
            MessageHandler target = handler;
            if (deliver && target != null) {
                target.onMessage(publish.payload().nioBuffer(), now);
            }
            if (qos == 1) {
                ctx.writeAndFlush(ack(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, id));
            } else if (qos == 2) {
                ctx.writeAndFlush(ack(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, id));
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0)));
                } else if (idle.state() == IdleState.READER_IDLE) {
                    fail(ctx, new IOException("no packet from the server for 1.5 x keep-alive"));
                }
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll(new ClosedChannelException());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause);
        }

        private void fail(ChannelHandlerContext ctx, Throwable cause) {
            connected.completeExceptionally(cause);
            failAll(cause);
            ctx.close();
        }

        private void failAll(Throwable cause) {
            connected.completeExceptionally(cause);
            for (Integer id : pending.keySet()) {
                CompletableFuture<Object> future = pending.remove(id);
                if (future != null) {
                    future.completeExceptionally(cause);
                }
            }
        }

        private int id(MqttMessage message) {
            return ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
        }

        private MqttMessage ack(MqttMessageType type, MqttQoS qos, int id) {
            return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0), MqttMessageIdVariableHeader.from(id));
        }
    }
}
