package org.rmqtt.gateway.connect;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.auth.AuthDecision;
import org.rmqtt.gateway.auth.Authorizer;
import org.rmqtt.gateway.auth.Credentials;
import org.rmqtt.gateway.auth.Identity;
import org.rmqtt.gateway.auth.Security;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.ConnectionContext.State;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.ReadSuspension;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.server.HandlerNames;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.gateway.session.SessionFactory;
import org.rmqtt.gateway.session.SessionRegistry;
import org.rmqtt.gateway.will.Wills;
import org.rmqtt.meta.WillMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection lifecycle: CONNECT must come first and only once; the session is claimed
 * cluster-wide before CONNACK; keep-alive replaces the connect timeout; the session ends with
 * the channel. Packets a client sends right behind its CONNECT wait until the CONNACK is out.
 * Authentication comes first, before anything is claimed or stored. Never log a CONNECT message:
 * Netty's toString of its payload includes the password.
 */
@ChannelHandler.Sharable
public final class ConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectHandler.class);

    /** One line per interval while meta refuses connects, not one per client. */
    private static final ThrottledWarning UNAVAILABLE = new ThrottledWarning(LOG, java.time.Duration.ofSeconds(10));

    private final SessionRegistry registry;
    private final SessionFactory sessions;
    private final Wills wills;
    private final Security security;

    /** Lets every client in; for tests that build the pipeline by hand. */
    public ConnectHandler(SessionRegistry registry, SessionFactory sessions, Wills wills) {
        this(registry, sessions, wills, Security.allowAll());
    }

    public ConnectHandler(SessionRegistry registry, SessionFactory sessions, Wills wills, Security security) {
        this.registry = registry;
        this.sessions = sessions;
        this.wills = wills;
        this.security = security;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttMessage m = (MqttMessage) msg;
        if (!ctx.channel().isActive()) {
            // Closed for a violation: the rest of what the client sent is not acted on.
            ReferenceCountUtil.release(msg);
            return;
        }
        ConnectionContext cc = ConnectionContext.of(ctx.channel());
        MqttMessageType type = m.fixedHeader().messageType();
        if (type == MqttMessageType.CONNECT) {
            ReferenceCountUtil.release(msg);
            if (cc.transition(State.AWAITING_CONNECT, State.CONNECTING)) {
                connect(ctx, cc, (MqttConnectMessage) m);
            } else {
                Disconnects.protocolViolation(ctx.channel(), Violation.SECOND_CONNECT, "second CONNECT on one connection (MQTT-3.1.0-2)");
            }
            return;
        }
        switch (cc.state()) {
            case CONNECTED -> ctx.fireChannelRead(msg);
            case CONNECTING -> early(ctx.channel()).add(msg);
            default -> {
                ReferenceCountUtil.release(msg);
                Disconnects.protocolViolation(ctx.channel(), Violation.CONNECT_NOT_FIRST, type + " before CONNECT (MQTT-3.1.0-1)");
            }
        }
    }

    private void connect(ChannelHandlerContext ctx, ConnectionContext cc, MqttConnectMessage connect) {
        Channel channel = ctx.channel();
        int level = connect.variableHeader().version();
        if (level != 3 && level != 4) {
            // The codec also speaks MQTT 5; this server speaks 3.1 (level 3) and 3.1.1 (level 4).
            channel.attr(CODEC_VERSION).set(MqttVersion.MQTT_3_1_1);
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, Violation.PROTOCOL_LEVEL,
                    "protocol level " + level + " is not supported (MQTT-3.1.2-2)");
            return;
        }
        String flagProblem = ConnectFlags.problem(connect.variableHeader());
        if (flagProblem != null) {
            Disconnects.protocolViolation(channel, Violation.CONNECT_FLAGS, "CONNECT " + flagProblem);
            return;
        }
        String clientId = connect.payload().clientIdentifier();
        boolean cleanSession = connect.variableHeader().isCleanSession();
        if (clientId != null && clientId.indexOf('\u0000') >= 0) {
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, Violation.CLIENT_ID,
                    "client identifier contains U+0000 (MQTT-1.5.3-2)");
            return;
        }
        if (clientId == null || clientId.isEmpty()) {
            if (!cleanSession) {
                refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, Violation.CLIENT_ID,
                        "empty client identifier with CleanSession=0 (MQTT-3.1.3-8)");
                return;
            }
            clientId = "auto-" + UUID.randomUUID();
        }
        WillMessage will;
        try {
            will = will(connect, clientId);
        } catch (IllegalArgumentException e) {
            Disconnects.protocolViolation(channel, Violation.INVALID_TOPIC_NAME, "CONNECT with an invalid will: " + e.getMessage());
            return;
        }
        // Hold reads until CONNACK: a client may pipeline packets behind CONNECT; they wait, as
        // CONNECTING, until the checks below let the client in.
        ReadSuspension.suspend(channel, ReadSuspension.Reason.CONNECTING);
        int keepAlive = connect.variableHeader().keepAliveTimeSeconds();
        Credentials credentials = security.credentials(channel, clientId, connect.payload().userName(),
                connect.payload().passwordInBytes());
        if (credentials == null) {
            refuseAuth(ctx, AuthDecision.notAuthorized("client id " + clientId + " is not the CN of its client certificate"
                    + " (auth.certificateAs=clientId)"), clientId);
            return;
        }
        String id = clientId;
        WillMessage willOfConnect = will;
        // Before any session takeover, will or meta write: only a client let in gets that far.
        security.authenticator().authenticate(credentials).whenComplete((decision, error) -> {
            Runnable next = () -> authenticated(ctx, cc, credentials, error != null
                    ? AuthDecision.unavailable("authentication failed: " + error) : decision, id, cleanSession, willOfConnect, keepAlive);
            if (ctx.executor().inEventLoop()) {
                next.run();
            } else {
                ctx.executor().execute(next);
            }
        });
    }

    private void authenticated(ChannelHandlerContext ctx, ConnectionContext cc, Credentials credentials, AuthDecision decision,
                               String clientId, boolean cleanSession, WillMessage will, int keepAlive) {
        Channel channel = ctx.channel();
        if (!channel.isActive() || cc.state() != State.CONNECTING) {
            return;
        }
        if (!decision.allowed()) {
            refuseAuth(ctx, decision, clientId);
            return;
        }
        security.counters().increment(Counters.Name.AUTH_ALLOWED);
        Identity identity = credentials.identity();
        Authorizer.identify(channel, identity);
        if (will != null && !security.authorizer().mayPublishWill(identity, will.topic())) {
            LOG.debug("Dropped the will of {} to {}: the ACL does not let it publish there", clientId, will.topic());
            will = null;
        }
        open(ctx, cc, clientId, cleanSession, will, keepAlive);
    }

    /** CONNACK with the decision's code, then close; one DEBUG line and a counter. */
    private void refuseAuth(ChannelHandlerContext ctx, AuthDecision decision, String clientId) {
        security.counters().increment(switch (decision.code()) {
            case CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD -> Counters.Name.AUTH_BAD_CREDENTIALS;
            case CONNECTION_REFUSED_SERVER_UNAVAILABLE -> Counters.Name.AUTH_UNAVAILABLE;
            default -> Counters.Name.AUTH_NOT_AUTHORIZED;
        });
        LOG.debug("Refused CONNECT of {} from {} with 0x{}: {}", clientId, ctx.channel().remoteAddress(),
                Integer.toHexString(decision.code().byteValue()), decision.reason());
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(decision.code()).sessionPresent(false).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void open(ChannelHandlerContext ctx, ConnectionContext cc, String clientId, boolean cleanSession, WillMessage will,
                      int keepAlive) {
        Channel channel = ctx.channel();
        Session session = sessions.create(clientId, !cleanSession, channel);
        cc.session(session);
        // A will is in meta before CONNACK: if this node dies, another one publishes it.
        CompletableFuture<Long> willStored = will == null ? CompletableFuture.completedFuture(0L) : wills.store(will);
        registry.open(session).thenCombine(willStored, (opened, epoch) -> opened).whenComplete((opened, error) -> session.execute(() -> {
            if (error != null) {
                if (will != null) {
                    wills.discard(will, willStored);
                }
                UNAVAILABLE.warn("meta", "Refused CONNECT(s) of persistent sessions or with a will with 0x03 (server unavailable),"
                        + " e.g. {}: {}", session.clientId(), error.getMessage());
                ctx.writeAndFlush(MqttMessageBuilders.connAck()
                        .returnCode(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE).sessionPresent(false).build());
                channel.close();
                return;
            }
            if (opened == SessionRegistry.Opened.SUPERSEDED || !channel.isActive()
                    || !cc.transition(State.CONNECTING, State.CONNECTED)) {
                if (will != null) {
                    wills.discard(will, willStored);
                }
                channel.close();
                return;
            }
            replaceIdleHandler(ctx, keepAlive);
            session.connected(System.currentTimeMillis(), keepAlive);
            if (will != null) {
                wills.accepted(session, will, willStored.join()); // completed: combined above
            }
            ctx.writeAndFlush(MqttMessageBuilders.connAck()
                    .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(opened.sessionPresent()).build());
            LOG.debug("Client {} connected from {} (keep-alive {} s, {} session{})", session.clientId(), channel.remoteAddress(),
                    keepAlive, cleanSession ? "clean" : "persistent", opened.sessionPresent() ? ", resumed" : "");
            if (session.persistent()) {
                session.resume(opened.subscriptions(), opened.state());
            }
            ArrayDeque<Object> early = channel.attr(EarlyPackets.KEY).getAndSet(null);
            if (early != null) {
                for (Object packet : early) {
                    if (channel.isActive()) {
                        ctx.fireChannelRead(packet);
                    } else {
                        ReferenceCountUtil.release(packet);
                    }
                }
            }
            // With many stores under way the publish flow keeps its own reason not to read.
            ReadSuspension.resume(channel, ReadSuspension.Reason.CONNECTING);
        }));
    }

    /** The will of a CONNECT, null without one; IllegalArgumentException says what is wrong with it. */
    static WillMessage will(MqttConnectMessage connect, String clientId) {
        MqttConnectVariableHeader header = connect.variableHeader();
        if (!header.isWillFlag()) {
            if (header.willQos() != 0 || header.isWillRetain()) {
                throw new IllegalArgumentException("will QoS or will retain set without the will flag (MQTT-3.1.2-13, -15)");
            }
            return null;
        }
        if (header.willQos() > 2) {
            throw new IllegalArgumentException("will QoS 3 (MQTT-3.1.2-14)");
        }
        String topic = connect.payload().willTopic();
        byte[] payload = connect.payload().willMessageInBytes();
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException("will topic: " + e.getMessage());
        }
        return new WillMessage(clientId, topic, payload == null ? new byte[0] : payload, header.willQos(), header.isWillRetain());
    }

    private static ArrayDeque<Object> early(Channel channel) {
        ArrayDeque<Object> queue = channel.attr(EarlyPackets.KEY).get();
        if (queue == null) {
            queue = new ArrayDeque<>();
            channel.attr(EarlyPackets.KEY).set(queue);
        }
        return queue;
    }

    private static void replaceIdleHandler(ChannelHandlerContext ctx, int keepAliveSeconds) {
        if (keepAliveSeconds > 0) {
            // MQTT-3.1.2-24: one and a half times the keep-alive without a packet ends the connection.
            long timeoutMillis = keepAliveSeconds * 1500L;
            ctx.pipeline().replace(HandlerNames.IDLE, HandlerNames.IDLE,
                    new IdleStateHandler(timeoutMillis, 0, 0, TimeUnit.MILLISECONDS));
        } else {
            ctx.pipeline().remove(HandlerNames.IDLE);
        }
    }

    private static void refuse(ChannelHandlerContext ctx, MqttConnectReturnCode code, Violation violation, String reason) {
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build());
        Disconnects.protocolViolation(ctx.channel(), violation, "CONNECT refused: " + reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ConnectionContext cc = ConnectionContext.of(ctx.channel());
        cc.markClosed();
        ArrayDeque<Object> early = ctx.channel().attr(EarlyPackets.KEY).getAndSet(null);
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
        }
        Session session = cc.session();
        if (session != null) {
            registry.closed(session);
            wills.ended(session, cc.gracefulDisconnect());
            LOG.debug("Client {} disconnected{}", session.clientId(), cc.gracefulDisconnect() ? "" : " without DISCONNECT");
        }
        super.channelInactive(ctx);
    }

    /** The codec's own per-channel protocol version, which decides the CONNACK format. */
    private static final io.netty.util.AttributeKey<MqttVersion> CODEC_VERSION =
            io.netty.util.AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    /** Packets that arrived between CONNECT and CONNACK. */
    private static final class EarlyPackets {
        static final io.netty.util.AttributeKey<ArrayDeque<Object>> KEY = io.netty.util.AttributeKey.valueOf("rmqtt.early");
    }
}
