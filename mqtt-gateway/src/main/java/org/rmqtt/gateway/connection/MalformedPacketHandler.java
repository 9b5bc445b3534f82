package org.rmqtt.gateway.connection;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.util.ReferenceCountUtil;

/**
 * First after the decoder: the codec reports a bad packet as a message with a failed decoder
 * result, not as an exception. Such a connection is closed, with a CONNACK first where the spec
 * asks for one (unsupported protocol level, rejected client identifier).
 */
@ChannelHandler.Sharable
public final class MalformedPacketHandler extends ChannelInboundHandlerAdapter {
    public static final MalformedPacketHandler INSTANCE = new MalformedPacketHandler();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage m) || !m.decoderResult().isFailure()) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            Throwable cause = m.decoderResult().cause();
            MqttConnectReturnCode code = null;
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                code = MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION;
            } else if (cause instanceof MqttIdentifierRejectedException) {
                code = MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
            }
            if (code != null && ConnectionContext.of(ctx.channel()).state() == ConnectionContext.State.AWAITING_CONNECT) {
                MqttConnAckMessage connAck = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
                ctx.writeAndFlush(connAck);
            }
            Disconnects.protocolViolation(ctx.channel(), "malformed packet: " + cause.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }
}
