package org.rmqtt.gateway.publish;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.session.InboundState;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device → RocketMQ. A message is acknowledged (PUBACK, PUBREC) only after the broker confirmed
 * the write. Messages of one topic are stored one write after the other (RocketMQ keeps order only
 * for writes that do not overlap), gathered into batches while a write is under way. A failed
 * write is tried again before anything behind it; when that does not help, the connection closes
 * unacknowledged and the client resends after reconnecting.
 */
public final class PublishService {
    private static final Logger LOG = LoggerFactory.getLogger(PublishService.class);
    /** Stores in flight per connection before we stop reading from it. */
    private static final int MAX_STORING = 1024;
    /** Messages and payload bytes of one topic written at once. */
    private static final int MAX_BATCH = 128;
    private static final int MAX_BATCH_BYTES = 1 << 20;
    /** Tries of one batch, with pauses of 50, 100, 200, 400 ms between them. */
    static final int MAX_ATTEMPTS = 5;
    private static final long RETRY_DELAY_MS = 50;

    private final MessageStore store;
    private final MetaClient meta;
    private final boolean allowDollarTopics;

    public PublishService(MessageStore store, MetaClient meta, boolean allowDollarTopics) {
        this.store = store;
        this.meta = meta;
        this.allowDollarTopics = allowDollarTopics;
    }

    /** On the session's loop. Takes ownership of {@code msg}'s payload (released by the caller). */
    public void onPublish(Session session, MqttPublishMessage msg) {
        Channel channel = session.channel();
        String topic = msg.variableHeader().topicName();
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            Disconnects.protocolViolation(channel, Violation.INVALID_TOPIC_NAME, "PUBLISH with invalid topic name: " + e.getMessage());
            return;
        }
        int qos = msg.fixedHeader().qosLevel().value();
        int packetId = msg.variableHeader().packetId();
        InboundState inbound = session.inbound();
        if (!allowDollarTopics && topic.startsWith("$")) {
            dropDollarTopic(session, topic, qos, packetId);
            return;
        }
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
        InboundState.Lane lane = inbound.lane(topic);
        lane.waiting.add(new InboundState.Incoming(request, packetId));
        inbound.storing(1);
        if (inbound.storing() >= MAX_STORING) {
            channel.config().setAutoRead(false);
        }
        if (!lane.writing) {
            write(session, lane);
        }
    }

    /**
     * Writes what waits in the lane as one store call: while one write of a topic is under way the
     * next ones gather, so a fast publisher gets batches and its order is kept.
     */
    private void write(Session session, InboundState.Lane lane) {
        List<InboundState.Incoming> batch = new ArrayList<>();
        int bytes = 0;
        while (!lane.waiting.isEmpty() && batch.size() < MAX_BATCH) {
            int size = lane.waiting.peek().request().payload().length;
            if (!batch.isEmpty() && bytes + size > MAX_BATCH_BYTES) {
                break; // RocketMQ checks a batch against its message size limit as a whole
            }
            batch.add(lane.waiting.poll());
            bytes += size;
        }
        lane.writing = true;
        store(session, lane, batch, 0);
    }

    /**
     * A busy or briefly unreachable broker is waited out: the batch is tried again after a pause
     * while the connection is not read (the client's TCP window fills, it slows down). When the
     * tries are used up, QoS 0 messages are dropped (at most once allows it) and anything else
     * closes the connection unacknowledged.
     */
    private void store(Session session, InboundState.Lane lane, List<InboundState.Incoming> batch, int attempt) {
        String topic = batch.get(0).request().topic();
        store.publishAll(batch.stream().map(InboundState.Incoming::request).toList()).whenComplete((ok, error) -> session.execute(() -> {
            Channel channel = session.channel();
            InboundState inbound = session.inbound();
            if (error != null && channel.isActive() && attempt + 1 < MAX_ATTEMPTS) {
                LOG.debug("Store of {} message(s) from {} on {} failed (try {}), trying again: {}",
                        batch.size(), session.clientId(), topic, attempt + 1, error.getMessage());
                channel.config().setAutoRead(false);
                channel.eventLoop().schedule(() -> store(session, lane, batch, attempt + 1),
                        RETRY_DELAY_MS << attempt, TimeUnit.MILLISECONDS);
                return;
            }
            lane.writing = false;
            inbound.storing(-batch.size());
            if (error != null) {
                if (batch.stream().anyMatch(w -> w.request().qos() > 0)) {
                    LOG.warn("Store of {} message(s) from {} on {} failed {} times, closing the connection unacknowledged: {}",
                            batch.size(), session.clientId(), topic, MAX_ATTEMPTS, error.getMessage());
                    channel.close();
                    return;
                }
                LOG.warn("Store of {} QoS 0 message(s) from {} on {} failed {} times; dropped: {}",
                        batch.size(), session.clientId(), topic, MAX_ATTEMPTS, error.getMessage());
            } else {
                List<Integer> received = new ArrayList<>();
                for (InboundState.Incoming w : batch) {
                    int qos = w.request().qos();
                    if (qos == 1) {
                        ack(channel, MqttMessageType.PUBACK, w.packetId(), false);
                    } else if (qos == 2 && inbound.awaitingRelease().replace(w.packetId(), false, true)) {
                        session.markDirty();
                        received.add(w.packetId());
                    }
                }
                channel.flush();
                if (!received.isEmpty()) {
                    // A persistent session's PUBREC goes out once the packet id is saved with the
                    // session: a resend after a gateway crash is then recognised, not stored again.
                    session.afterSaved(() -> {
                        received.forEach(id -> ack(channel, MqttMessageType.PUBREC, id, false));
                        channel.flush();
                    });
                }
            }
            if (!channel.isActive()) {
                return;
            }
            if (inbound.storing() < MAX_STORING / 2) {
                channel.config().setAutoRead(true);
            }
            if (lane.waiting.isEmpty()) {
                inbound.dropIfIdle(topic, lane);
            } else {
                write(session, lane);
            }
        }));
    }

    /**
     * '$' topics are the server's (MQTT-4.7.2-1): a device's publish to one is dropped, but
     * acknowledged at its QoS so that the client does not send it again and again.
     */
    private static void dropDollarTopic(Session session, String topic, int qos, int packetId) {
        LOG.debug("Dropped a QoS {} PUBLISH of {} to {}: devices may not publish to '$' topics (publish.allowDollarTopics)",
                qos, session.clientId(), topic);
        if (qos == 1) {
            ack(session.channel(), MqttMessageType.PUBACK, packetId);
        } else if (qos == 2) {
            // Remembered like a stored one: a resend gets PUBREC again, PUBREL completes it.
            session.inbound().awaitingRelease().put(packetId, true);
            ack(session.channel(), MqttMessageType.PUBREC, packetId);
        }
    }

    /** PUBREL: the client released a QoS 2 message; forget its id and complete. */
    public void onPubRel(Session session, int packetId) {
        if (session.inbound().awaitingRelease().remove(packetId) != null) {
            session.markDirty();
        }
        ack(session.channel(), MqttMessageType.PUBCOMP, packetId);
    }

    private static void ack(Channel channel, MqttMessageType type, int packetId) {
        ack(channel, type, packetId, true);
    }

    private static void ack(Channel channel, MqttMessageType type, int packetId, boolean flush) {
        MqttMessage ack = new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
        if (flush) {
            channel.writeAndFlush(ack);
        } else {
            channel.write(ack);
        }
    }
}
