package org.rmqtt.gateway.connect;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.rmqtt.gateway.connection.ConnectionContext;

/** PINGREQ gets PINGRESP; DISCONNECT closes the connection as a graceful end (no will). */
@ChannelHandler.Sharable
public final class PingDisconnectHandler extends ChannelInboundHandlerAdapter {
    public static final PingDisconnectHandler INSTANCE = new PingDisconnectHandler();
    private static final MqttMessage PINGRESP =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttMessageType type = ((MqttMessage) msg).fixedHeader().messageType();
        if (type == MqttMessageType.PINGREQ) {
            ctx.writeAndFlush(PINGRESP);
        } else if (type == MqttMessageType.DISCONNECT) {
            ConnectionContext.of(ctx.channel()).markGracefulDisconnect();
            ctx.close();
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
