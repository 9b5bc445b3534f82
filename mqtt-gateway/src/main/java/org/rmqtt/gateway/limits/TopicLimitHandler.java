package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * limits.maxTopicLength and limits.maxTopicLevels for PUBLISH topics, will topics and UNSUBSCRIBE
 * filters: over a limit closes the connection, because MQTT 3.1.1 has no way to refuse a PUBLISH
 * (no negative PUBACK) and closing is what it prescribes for what a server will not process.
 * SUBSCRIBE filters are refused one by one with SUBACK 0x80 by the subscribe handler instead.
 */
@ChannelHandler.Sharable
public final class TopicLimitHandler extends ChannelInboundHandlerAdapter {
    private final TopicLimits limits;

    public TopicLimitHandler(Limits limits) {
        this.limits = limits.topics();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        String problem = null;
        if (msg instanceof MqttPublishMessage p) {
            problem = limits.problem("PUBLISH topic", p.variableHeader().topicName());
        } else if (msg instanceof MqttUnsubscribeMessage u) {
            for (String filter : u.payload().topics()) {
                if ((problem = limits.problem("UNSUBSCRIBE filter", filter)) != null) {
                    break;
                }
            }
        } else if (msg instanceof MqttConnectMessage c && c.variableHeader().isWillFlag()) {
            problem = limits.problem("will topic", c.payload().willTopic());
        }
        if (problem == null) {
            super.channelRead(ctx, msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        Disconnects.protocolViolation(ctx.channel(), Violation.TOPIC_LIMIT, problem);
    }
}
