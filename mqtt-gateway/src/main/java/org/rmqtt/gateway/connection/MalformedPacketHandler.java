package org.rmqtt.gateway.connection;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * First after the decoder: closes the connection on a packet the codec could not decode or let
 * through although MQTT 3.1.1 calls it malformed. The codec reports a bad packet as a message with
 * a failed decoder result, not as an exception. A CONNACK goes out first where the spec asks for
 * one (unsupported protocol level, rejected client identifier).
 *
 * <p>What codec-mqtt 4.1 does not check, and this handler does: the fixed remaining length of
 * acknowledgements, PINGREQ and DISCONNECT, and well-formed UTF-8 (the codec decodes ill-formed
 * bytes to U+FFFD; a client that sends U+FFFD itself is refused too, see docs/conformance.md).
 */
@ChannelHandler.Sharable
public final class MalformedPacketHandler extends ChannelInboundHandlerAdapter {
    public static final MalformedPacketHandler INSTANCE = new MalformedPacketHandler();
    /** What the codec puts where it met bytes that are not well-formed UTF-8. */
    private static final char REPLACEMENT = '\uFFFD';

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage m)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String problem;
        Violation violation;
        if (m.decoderResult().isFailure()) {
            onDecoderFailure(ctx, m);
            return;
        } else if ((problem = lengthProblem(m)) != null) {
            violation = Violation.REMAINING_LENGTH;
        } else if ((problem = stringProblem(m)) != null) {
            violation = Violation.INVALID_UTF8;
        } else {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        Disconnects.protocolViolation(ctx.channel(), violation, problem);
    }

    private static void onDecoderFailure(ChannelHandlerContext ctx, MqttMessage m) {
        try {
            Throwable cause = m.decoderResult().cause();
            String message = String.valueOf(cause.getMessage());
            Violation violation = Violation.MALFORMED_PACKET;
            MqttConnectReturnCode code = null;
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                // The codec says "<name> and <level> don't match" for a known level with the other
                // name: no CONNACK then (MQTT-3.1.2-1), only for a level it does not know (-2).
                if (message.endsWith("don't match")) {
                    violation = Violation.PROTOCOL_NAME;
                } else {
                    violation = Violation.PROTOCOL_LEVEL;
                    code = MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION;
                }
            } else if (cause instanceof MqttIdentifierRejectedException) {
                violation = Violation.CLIENT_ID;
                code = MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
            } else if (cause instanceof TooLongFrameException) {
                violation = Violation.PACKET_TOO_LARGE;
            } else if (message.startsWith("Illegal BIT") || message.startsWith("Illegal QOS")
                    || message.equals("non-zero reserved flag")) {
                violation = Violation.RESERVED_FLAGS;
            } else if (message.startsWith("remaining length exceeds")) {
                violation = Violation.REMAINING_LENGTH;
            }
            if (code != null && ConnectionContext.of(ctx.channel()).state() == ConnectionContext.State.AWAITING_CONNECT) {
                MqttConnAckMessage connAck = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
                ctx.writeAndFlush(connAck);
            }
            Disconnects.protocolViolation(ctx.channel(), violation, "malformed packet: " + message);
        } finally {
            ReferenceCountUtil.release(m);
        }
    }

    /** Packets whose length the spec fixes; the codec reads what it needs and ignores the rest. */
    private static String lengthProblem(MqttMessage m) {
        int expected = switch (m.fixedHeader().messageType()) {
            case PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK -> 2;
            case PINGREQ, PINGRESP, DISCONNECT -> 0;
            default -> -1;
        };
        int actual = m.fixedHeader().remainingLength();
        return expected >= 0 && actual != expected
                ? m.fixedHeader().messageType() + " with remaining length " + actual + ", must be " + expected
                : null;
    }

    /** The UTF-8 strings of what a client sends (MQTT-1.5.3-1, -2); the client identifier's U+0000 gets CONNACK 0x02. */
    private static String stringProblem(MqttMessage m) {
        if (m instanceof MqttPublishMessage p) {
            return check("topic name", p.variableHeader().topicName());
        }
        if (m instanceof MqttSubscribeMessage s) {
            for (MqttTopicSubscription t : s.payload().topicSubscriptions()) {
                String problem = check("topic filter", t.topicName());
                if (problem != null) {
                    return problem;
                }
            }
        }
        if (m instanceof MqttUnsubscribeMessage u) {
            for (String filter : u.payload().topics()) {
                String problem = check("topic filter", filter);
                if (problem != null) {
                    return problem;
                }
            }
        }
        if (m instanceof MqttConnectMessage c) {
            String clientId = c.payload().clientIdentifier();
            if (clientId != null && clientId.indexOf(REPLACEMENT) >= 0) {
                return "client identifier is not well-formed UTF-8";
            }
            String problem = check("will topic", c.payload().willTopic());
            return problem != null ? problem : check("user name", c.payload().userName());
        }
        return null;
    }

    private static String check(String what, String value) {
        if (value == null) {
            return null;
        }
        if (value.indexOf(REPLACEMENT) >= 0) {
            return what + " is not well-formed UTF-8 (MQTT-1.5.3-1)";
        }
        if (value.indexOf('\u0000') >= 0) {
            return what + " contains U+0000 (MQTT-1.5.3-2)";
        }
        return null;
    }
}
