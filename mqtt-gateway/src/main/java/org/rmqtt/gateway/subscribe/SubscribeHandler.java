package org.rmqtt.gateway.subscribe;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.ArrayList;
import java.util.List;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.session.Session;

/** SUBSCRIBE and UNSUBSCRIBE. An invalid filter closes the connection (MQTT-4.7.3-1 and §4.8). */
@ChannelHandler.Sharable
public final class SubscribeHandler extends ChannelInboundHandlerAdapter {
    /** The highest QoS granted: delivered QoS is min(publish QoS, granted QoS). */
    private static final int MAX_QOS = 2;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttSubscribeMessage subscribe) {
            onSubscribe(ctx, subscribe);
        } else if (msg instanceof MqttUnsubscribeMessage unsubscribe) {
            onUnsubscribe(ctx, unsubscribe);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private static void onSubscribe(ChannelHandlerContext ctx, MqttSubscribeMessage msg) {
        Session session = ConnectionContext.of(ctx.channel()).session();
        int packetId = msg.variableHeader().messageId();
        List<MqttTopicSubscription> requested = msg.payload().topicSubscriptions();
        if (requested.isEmpty()) {
            Disconnects.protocolViolation(ctx.channel(), "SUBSCRIBE without a topic filter (MQTT-3.8.3-3)");
            return;
        }
        List<String> filters = new ArrayList<>(requested.size());
        List<Integer> qos = new ArrayList<>(requested.size());
        for (MqttTopicSubscription s : requested) {
            if (!valid(ctx, s.topicName(), "SUBSCRIBE")) {
                return;
            }
            MqttSubscriptionOption option = s.option();
            if (option.isNoLocal() || option.isRetainAsPublished()
                    || option.retainHandling() != MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE) {
                Disconnects.protocolViolation(ctx.channel(), "SUBSCRIBE with reserved bits set in the requested QoS (MQTT-3.8.3-4)");
                return;
            }
            filters.add(s.topicName());
            qos.add(Math.min(MAX_QOS, s.qualityOfService().value()));
        }
        session.subscribe(filters, qos).thenAccept(codes -> session.execute(() -> {
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new MqttSubAckMessage(
                        new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        MqttMessageIdVariableHeader.from(packetId),
                        new MqttSubAckPayload(codes.stream().mapToInt(Integer::intValue).toArray())));
                // After the SUBACK, before anything newer on their topics.
                session.sendRetained(filters);
            }
        }));
    }

    private static void onUnsubscribe(ChannelHandlerContext ctx, MqttUnsubscribeMessage msg) {
        Session session = ConnectionContext.of(ctx.channel()).session();
        List<String> filters = msg.payload().topics();
        if (filters.isEmpty()) {
            Disconnects.protocolViolation(ctx.channel(), "UNSUBSCRIBE without a topic filter (MQTT-3.10.3-2)");
            return;
        }
        for (String filter : filters) {
            if (!valid(ctx, filter, "UNSUBSCRIBE")) {
                return;
            }
        }
        session.unsubscribe(filters);
        ctx.writeAndFlush(new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(msg.variableHeader().messageId())));
    }

    private static boolean valid(ChannelHandlerContext ctx, String filter, String packet) {
        try {
            Topics.validateFilter(filter);
            return true;
        } catch (InvalidTopicException e) {
            Disconnects.protocolViolation(ctx.channel(), packet + " with invalid topic filter: " + e.getMessage());
            return false;
        }
    }
}
