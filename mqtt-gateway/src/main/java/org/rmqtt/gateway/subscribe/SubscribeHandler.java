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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.gateway.auth.Authorizer;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.limits.TopicLimits;
import org.rmqtt.gateway.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SUBSCRIBE and UNSUBSCRIBE. A filter that is invalid, denied by {@code subscribe.deny} or the ACL, over
 * {@code subscribe.maxPerSession} or over a topic limit ({@code limits.maxTopicLength}, {@code limits.maxTopicLevels})
 * gets 0x80 in the SUBACK while the others of the same SUBSCRIBE
 * are granted (MQTT-3.9.3-2 allows it); packets the spec calls malformed close the connection.
 */
@ChannelHandler.Sharable
public final class SubscribeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SubscribeHandler.class);
    /** The highest QoS granted: delivered QoS is min(publish QoS, granted QoS). */
    private static final int MAX_QOS = 2;
    private static final int REFUSED = 0x80;

    private final List<String> deny;
    private final int maxPerSession;
    private final TopicLimits topicLimits;
    private final Counters counters;
    private final Authorizer authorizer;

    /**
     * @param deny filters a client may not subscribe to: a requested filter is refused when one of
     *             these matches it read as a topic name ({@code secret/#} refuses {@code secret/+})
     * @param maxPerSession subscriptions one session may hold
     */
    public SubscribeHandler(List<String> deny, int maxPerSession) {
        this(deny, maxPerSession, TopicLimits.NONE, new Counters(), Authorizer.ALLOW_ALL);
    }

    /** With limits.maxTopicLength and limits.maxTopicLevels: a filter over them gets 0x80, counted in {@code counters}. */
    public SubscribeHandler(List<String> deny, int maxPerSession, TopicLimits topicLimits, Counters counters) {
        this(deny, maxPerSession, topicLimits, counters, Authorizer.ALLOW_ALL);
    }

    /** @param authorizer the ACL: a filter it denies gets 0x80 */
    public SubscribeHandler(List<String> deny, int maxPerSession, Authorizer authorizer) {
        this(deny, maxPerSession, TopicLimits.NONE, new Counters(), authorizer);
    }

    public SubscribeHandler(List<String> deny, int maxPerSession, TopicLimits topicLimits, Counters counters,
                            Authorizer authorizer) {
        this.deny = List.copyOf(deny);
        this.maxPerSession = maxPerSession;
        this.topicLimits = topicLimits;
        this.counters = counters;
        this.authorizer = authorizer;
    }

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

    private void onSubscribe(ChannelHandlerContext ctx, MqttSubscribeMessage msg) {
        Session session = ConnectionContext.of(ctx.channel()).session();
        int packetId = msg.variableHeader().messageId();
        List<MqttTopicSubscription> requested = msg.payload().topicSubscriptions();
        if (requested.isEmpty()) {
            Disconnects.protocolViolation(ctx.channel(), Violation.NO_TOPIC_FILTER, "SUBSCRIBE without a topic filter (MQTT-3.8.3-3)");
            return;
        }
        for (MqttTopicSubscription s : requested) {
            MqttSubscriptionOption option = s.option();
            if (option.isNoLocal() || option.isRetainAsPublished()
                    || option.retainHandling() != MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE) {
                Disconnects.protocolViolation(ctx.channel(), Violation.SUBSCRIPTION_OPTIONS,
                        "SUBSCRIBE with reserved bits set in the requested QoS (MQTT-3.8.3-4)");
                return;
            }
        }
        // codes[i] stays -1 for the filters handed to the session, whose code comes from it.
        int[] codes = new int[requested.size()];
        List<String> filters = new ArrayList<>(requested.size());
        List<Integer> qos = new ArrayList<>(requested.size());
        Set<String> added = new HashSet<>();
        int count = session.subscriptionCount();
        for (int i = 0; i < requested.size(); i++) {
            String filter = requested.get(i).topicName();
            String refusal = refusal(session, filter, count + added.size(), added);
            if (refusal != null) {
                LOG.debug("Refused subscription of {} to {}: {}", session.clientId(), filter, refusal);
                codes[i] = REFUSED;
                continue;
            }
            codes[i] = -1;
            if (!session.subscribed(filter)) {
                added.add(filter);
            }
            filters.add(filter);
            qos.add(Math.min(MAX_QOS, requested.get(i).qualityOfService().value()));
        }
        session.subscribe(filters, qos).thenAccept(granted -> session.execute(() -> {
            int next = 0;
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] == -1) {
                    codes[i] = granted.get(next++);
                }
            }
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new MqttSubAckMessage(
                        new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        MqttMessageIdVariableHeader.from(packetId),
                        new MqttSubAckPayload(codes)));
                // After the SUBACK, before anything newer on their topics.
                session.sendRetained(filters);
            }
        }));
    }

    /** Why {@code filter} is refused, or null. */
    private String refusal(Session session, String filter, int held, Set<String> added) {
        try {
            Topics.validateFilter(filter);
        } catch (InvalidTopicException e) {
            return "invalid topic filter: " + e.getMessage();
        }
        String overLimit = topicLimits.problem("topic filter", filter);
        if (overLimit != null) {
            counters.increment(Counters.Name.FILTERS_OVER_TOPIC_LIMIT);
            return overLimit;
        }
        for (String denied : deny) {
            if (Topics.matches(denied, filter)) {
                return "denied by subscribe.deny entry " + denied;
            }
        }
        if (!authorizer.maySubscribe(session.channel(), filter)) {
            return "denied by the ACL (auth.aclFile)";
        }
        if (!session.subscribed(filter) && !added.contains(filter) && held >= maxPerSession) {
            return "the session holds " + held + " subscriptions, subscribe.maxPerSession=" + maxPerSession;
        }
        return null;
    }

    private static void onUnsubscribe(ChannelHandlerContext ctx, MqttUnsubscribeMessage msg) {
        Session session = ConnectionContext.of(ctx.channel()).session();
        List<String> filters = msg.payload().topics();
        if (filters.isEmpty()) {
            Disconnects.protocolViolation(ctx.channel(), Violation.NO_TOPIC_FILTER, "UNSUBSCRIBE without a topic filter (MQTT-3.10.3-2)");
            return;
        }
        for (String filter : filters) {
            try {
                Topics.validateFilter(filter);
            } catch (InvalidTopicException e) {
                Disconnects.protocolViolation(ctx.channel(), Violation.INVALID_TOPIC_FILTER,
                        "UNSUBSCRIBE with invalid topic filter: " + e.getMessage());
                return;
            }
        }
        session.unsubscribe(filters);
        ctx.writeAndFlush(new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(msg.variableHeader().messageId())));
    }
}
