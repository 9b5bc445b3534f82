package org.rmqtt.gateway.publish;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.ReferenceCountUtil;
import org.rmqtt.gateway.connection.ConnectionContext;

/** PUBLISH and PUBREL from the client. */
@ChannelHandler.Sharable
public final class PublishHandler extends ChannelInboundHandlerAdapter {
    private final PublishService service;

    public PublishHandler(PublishService service) {
        this.service = service;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttMessageType type = ((MqttMessage) msg).fixedHeader().messageType();
        if (type == MqttMessageType.PUBLISH) {
            try {
                service.onPublish(ConnectionContext.of(ctx.channel()).session(), (MqttPublishMessage) msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        } else if (type == MqttMessageType.PUBREL) {
            int packetId = ((MqttMessageIdVariableHeader) ((MqttMessage) msg).variableHeader()).messageId();
            service.onPubRel(ConnectionContext.of(ctx.channel()).session(), packetId);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
