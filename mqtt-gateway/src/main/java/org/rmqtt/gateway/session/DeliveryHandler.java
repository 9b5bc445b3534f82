package org.rmqtt.gateway.session;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import org.rmqtt.gateway.connection.ConnectionContext;

/** The client's acknowledgements of what we delivered, and socket writability, drive the outbound flow. */
@ChannelHandler.Sharable
public final class DeliveryHandler extends ChannelInboundHandlerAdapter {
    public static final DeliveryHandler INSTANCE = new DeliveryHandler();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttMessageType type = ((MqttMessage) msg).fixedHeader().messageType();
        if (type != MqttMessageType.PUBACK && type != MqttMessageType.PUBREC && type != MqttMessageType.PUBCOMP) {
            ctx.fireChannelRead(msg);
            return;
        }
        Session session = ConnectionContext.of(ctx.channel()).session();
        int packetId = ((MqttMessageIdVariableHeader) ((MqttMessage) msg).variableHeader()).messageId();
        switch (type) {
            case PUBACK -> session.onPubAck(packetId);
            case PUBREC -> session.onPubRec(packetId);
            default -> session.onPubComp(packetId);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ConnectionContext cc = ConnectionContext.find(ctx.channel());
        if (ctx.channel().isWritable() && cc != null && cc.session() != null) {
            cc.session().drain();
        }
        super.channelWritabilityChanged(ctx);
    }
}
