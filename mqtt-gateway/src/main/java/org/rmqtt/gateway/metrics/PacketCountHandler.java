package org.rmqtt.gateway.metrics;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;

/**
 * Open connections, CONNECT results and PUBLISH packets by QoS, both ways. It sits right behind
 * the encoder, so it sees the decoded packets coming in and every packet the handlers write.
 * One per channel: it remembers whether the CONNECT got a CONNACK.
 */
final class PacketCountHandler extends ChannelDuplexHandler {
    private final GatewayMetrics metrics;
    /** Event loop only. */
    private boolean connectSeen;
    private boolean connAckSent;

    PacketCountHandler(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionOpened();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionClosed();
        if (connectSeen && !connAckSent) {
            metrics.connectClosedWithoutConnAck();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage m && m.decoderResult().isSuccess()) {
            if (m instanceof MqttPublishMessage p) {
                metrics.publishReceived(p.fixedHeader().qosLevel().value());
            } else if (m.fixedHeader().messageType() == MqttMessageType.CONNECT) {
                connectSeen = true;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof MqttPublishMessage p) {
            metrics.publishSent(p.fixedHeader().qosLevel().value());
        } else if (msg instanceof MqttConnAckMessage ack && !connAckSent) {
            connAckSent = true;
            metrics.connAckSent(ack.variableHeader().connectReturnCode().byteValue());
        }
        ctx.write(msg, promise);
    }
}
