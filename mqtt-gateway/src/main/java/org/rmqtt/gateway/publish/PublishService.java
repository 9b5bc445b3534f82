package org.rmqtt.gateway.publish;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.concurrent.CompletableFuture;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.session.InboundState;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device → RocketMQ. A message is acknowledged (PUBACK, PUBREC) only after the broker confirmed
 * the write. Messages of one topic are stored one after the other so their order survives; a
 * failed store closes the connection, so nothing behind it is stored out of order and the client
 * resends what was not acknowledged.
 */
public final class PublishService {
    private static final Logger LOG = LoggerFactory.getLogger(PublishService.class);
    /** Stores in flight per connection before we stop reading from it. */
    private static final int MAX_STORING = 256;

    private final MessageStore store;
    private final MetaClient meta;

    public PublishService(MessageStore store, MetaClient meta) {
        this.store = store;
        this.meta = meta;
    }

    /** On the session's loop. Takes ownership of {@code msg}'s payload (released by the caller). */
    public void onPublish(Session session, MqttPublishMessage msg) {
        Channel channel = session.channel();
        String topic = msg.variableHeader().topicName();
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            Disconnects.protocolViolation(channel, "PUBLISH with invalid topic name: " + e.getMessage());
            return;
        }
        int qos = msg.fixedHeader().qosLevel().value();
        int packetId = msg.variableHeader().packetId();
        InboundState inbound = session.inbound();
        if (qos == 2) {
            Boolean stored = inbound.awaitingRelease().get(packetId);
            if (stored != null) {
                // A resent QoS 2 PUBLISH is not stored twice (MQTT-4.3.3-2).
                if (stored) {
                    ack(channel, MqttMessageType.PUBREC, packetId);
                }
                return;
            }
            inbound.awaitingRelease().put(packetId, false);
        }
        PublishRequest request = new PublishRequest(topic, qos, msg.fixedHeader().isRetain(),
                ByteBufUtil.getBytes(msg.payload()), session.clientId(),
                meta.matchingWildcardFilters(topic));
        store(session, request).whenComplete((receipt, error) -> session.execute(() -> {
            if (error != null) {
                LOG.warn("Store of a message from {} on {} failed, closing the connection unacknowledged: {}",
                        session.clientId(), topic, error.getMessage());
                channel.close();
            } else if (qos == 1) {
                ack(channel, MqttMessageType.PUBACK, packetId);
            } else if (qos == 2 && inbound.awaitingRelease().replace(packetId, false, true)) {
                ack(channel, MqttMessageType.PUBREC, packetId);
            }
        }));
    }

    /** Chains the store behind the previous one of the same topic, with read back-pressure. */
    private CompletableFuture<PublishReceipt> store(Session session, PublishRequest request) {
        InboundState inbound = session.inbound();
        CompletableFuture<Void> previous = inbound.tail(request.topic());
        CompletableFuture<PublishReceipt> stored = previous == null
                ? store.publish(request)
                : previous.thenCompose(v -> store.publish(request));
        CompletableFuture<Void> tail = stored.thenApply(r -> null);
        inbound.tail(request.topic(), tail);
        inbound.storing(1);
        if (inbound.storing() >= MAX_STORING) {
            session.channel().config().setAutoRead(false);
        }
        return stored.whenComplete((r, e) -> session.execute(() -> {
            inbound.done(request.topic(), tail);
            inbound.storing(-1);
            if (inbound.storing() == MAX_STORING / 2 && session.channel().isActive()) {
                session.channel().config().setAutoRead(true);
            }
        }));
    }

    /** PUBREL: the client released a QoS 2 message; forget its id and complete. */
    public void onPubRel(Session session, int packetId) {
        session.inbound().awaitingRelease().remove(packetId);
        ack(session.channel(), MqttMessageType.PUBCOMP, packetId);
    }

    private static void ack(Channel channel, MqttMessageType type, int packetId) {
        channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId)));
    }
}
