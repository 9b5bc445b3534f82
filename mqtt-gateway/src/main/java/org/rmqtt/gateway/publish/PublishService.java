package org.rmqtt.gateway.publish;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.gateway.auth.Authorizer;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.ReadSuspension;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.session.InboundState;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.MetaValidation;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device → RocketMQ. A message is acknowledged (PUBACK, PUBREC) only after the broker confirmed
 * the write. Messages of one topic are stored one write after the other (RocketMQ keeps order only
 * for writes that do not overlap), gathered into batches while a write is under way. A failed
 * write is tried again before anything behind it; when that does not help, or the store refused
 * the message for good, the connection closes unacknowledged and the client resends after
 * reconnecting.
 *
 * <p>A retained message is written alone: first to meta (the topic's retained message), then to
 * the store. In that order a subscription that reads the LMQ end before meta never misses it: it
 * gets the message as retained, in the normal flow, or (in a narrow race) both.
 */
public final class PublishService {
    private static final Logger LOG = LoggerFactory.getLogger(PublishService.class);
    /** Messages and payload bytes of one topic written at once. */
    private static final int MAX_BATCH = 128;
    private static final int MAX_BATCH_BYTES = 1 << 20;
    /** Tries of one batch, with pauses of 50, 100, 200, 400 ms between them. */
    static final int MAX_ATTEMPTS = 5;
    private static final long RETRY_DELAY_MS = 50;

    /** One line per interval and kind: a client may send refused messages in a loop. */
    private static final ThrottledWarning WARNINGS = new ThrottledWarning(LOG, Duration.ofSeconds(10));

    private final MessageStore store;
    private final MetaClient meta;
    private final Duration maxViewAge;
    private final int retainedMax;
    private final int retainedMaxPayload;
    private final boolean allowDollarTopics;
    private final Authorizer authorizer;
    /** Messages and payload bytes of one connection waiting for the store before it is not read. */
    private final int maxStoring;
    private final long maxStoringBytes;
    private final Counters counters;

    public PublishService(MessageStore store, MetaClient meta) {
        this(store, meta, Duration.ofSeconds(1), 0, MetaValidation.MAX_PAYLOAD_BYTES, false);
    }

    /**
     * @param maxViewAge         the oldest meta view a message is dispatched with (a staler one is
     *                           refreshed first, waiting at most one attempt): a SUBACK waits this long
     *                           for a gateway that did not confirm the new filter, so such a gateway
     *                           cannot miss it either
     * @param retainedMax        how many topics may hold a retained message (0 = no bound)
     * @param retainedMaxPayload the largest retained payload, in bytes
     * @param allowDollarTopics  whether devices may publish to '$' topics
     */
    public PublishService(MessageStore store, MetaClient meta, Duration maxViewAge, int retainedMax, int retainedMaxPayload,
                          boolean allowDollarTopics) {
        this(store, meta, maxViewAge, retainedMax, retainedMaxPayload, allowDollarTopics, Authorizer.ALLOW_ALL);
    }

    /** @param authorizer the ACL: a PUBLISH it denies is dropped, and acknowledged at its QoS */
    public PublishService(MessageStore store, MetaClient meta, Duration maxViewAge, int retainedMax, int retainedMaxPayload,
                          boolean allowDollarTopics, Authorizer authorizer) {
        this(store, meta, maxViewAge, retainedMax, retainedMaxPayload, allowDollarTopics, authorizer, 1024, 8 << 20, new Counters());
    }

    /**
     * @param maxStoring      limits.maxStoringPerClient: messages of one connection waiting for the store
     * @param maxStoringBytes limits.maxStoringBytesPerClient: their payload bytes; at either bound
     *                        the connection is not read until half of it is stored
     */
    public PublishService(MessageStore store, MetaClient meta, Duration maxViewAge, int retainedMax, int retainedMaxPayload,
                          boolean allowDollarTopics, Authorizer authorizer, int maxStoring, long maxStoringBytes, Counters counters) {
        this.maxStoring = maxStoring;
        this.maxStoringBytes = maxStoringBytes;
        this.counters = counters;
        this.authorizer = authorizer;
        this.store = store;
        this.meta = meta;
        this.maxViewAge = maxViewAge;
        this.retainedMax = retainedMax;
        this.retainedMaxPayload = Math.min(retainedMaxPayload, MetaValidation.MAX_PAYLOAD_BYTES);
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
        boolean retain = msg.fixedHeader().isRetain();
        if (retain && msg.payload().readableBytes() > retainedMaxPayload) {
            refuseRetained(session, qos, topic, "payload of " + msg.payload().readableBytes()
                    + " bytes exceeds retained.maxPayload=" + retainedMaxPayload);
            return;
        }
        InboundState inbound = session.inbound();
        if (!allowDollarTopics && topic.startsWith("$")) {
            LOG.debug("Dropped a QoS {} PUBLISH of {} to {}: devices may not publish to '$' topics (publish.allowDollarTopics)",
                    qos, session.clientId(), topic);
            dropRefused(session, qos, packetId);
            return;
        }
        if (!authorizer.mayPublish(channel, topic)) {
            // 3.1.1 has no negative PUBACK: acknowledged so that the client does not resend it for ever.
            dropRefused(session, qos, packetId);
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
        // The wildcard filters are looked up when the write leaves the lane, with a fresh view.
        PublishRequest request = new PublishRequest(topic, qos, retain,
                ByteBufUtil.getBytes(msg.payload()), session.clientId(), Set.of());
        InboundState.Lane lane = inbound.lane(topic);
        lane.waiting.add(new InboundState.Incoming(request, packetId));
        inbound.storing(1, request.payload().length);
        if ((inbound.storing() >= maxStoring || inbound.storingBytes() >= maxStoringBytes)
                && !ReadSuspension.suspended(channel, ReadSuspension.Reason.STORING)) {
            counters.increment(Counters.Name.PUBLISH_STORE_PAUSES);
            ReadSuspension.suspend(channel, ReadSuspension.Reason.STORING);
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
        lane.writing = true;
        CompletableFuture<Void> fresh = meta.freshView(maxViewAge);
        if (fresh.isDone()) {
            writeNow(session, lane);
        } else {
            // Rare (a resumed process, the start of a meta outage): the view is refreshed off the
            // event loop, and never waited for longer than the age bound itself.
            fresh.completeOnTimeout(null, maxViewAge.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((v, e) -> session.execute(() -> writeNow(session, lane)));
        }
    }

    private void writeNow(Session session, InboundState.Lane lane) {
        if (lane.waiting.isEmpty()) {
            lane.writing = false;
            return;
        }
        Set<String> filters = meta.matchingWildcardFilters(lane.waiting.peek().request().topic());
        List<InboundState.Incoming> batch = new ArrayList<>();
        int bytes = 0;
        while (!lane.waiting.isEmpty() && batch.size() < MAX_BATCH) {
            PublishRequest next = lane.waiting.peek().request();
            int size = next.payload().length;
            if (!batch.isEmpty() && (bytes + size > MAX_BATCH_BYTES || next.retain())) {
                break; // RocketMQ checks a batch against its message size limit as a whole
            }
            InboundState.Incoming incoming = lane.waiting.poll();
            batch.add(new InboundState.Incoming(next.withWildcardFilters(filters), incoming.packetId()));
            bytes += size;
            if (next.retain()) {
                break; // alone: its meta write comes first
            }
        }
        PublishRequest first = batch.get(0).request();
        if (first.retain()) {
            retainThenStore(session, lane, batch, 0);
        } else {
            store(session, lane, batch, 0);
        }
    }

    /**
     * The topic's retained message in meta, then the store. A meta failure is waited out like a
     * store failure; a topic beyond retained.max refuses the message.
     */
    private void retainThenStore(Session session, InboundState.Lane lane, List<InboundState.Incoming> batch, int attempt) {
        PublishRequest request = batch.get(0).request();
        retainedWrite(request).whenComplete((stored, error) -> session.execute(() -> {
            Channel channel = session.channel();
            if (error != null && channel.isActive() && attempt + 1 < MAX_ATTEMPTS) {
                LOG.debug("Retained write of {} on {} failed (try {}), trying again: {}",
                        session.clientId(), request.topic(), attempt + 1, error.getMessage());
                ReadSuspension.suspend(channel, ReadSuspension.Reason.STORING);
                channel.eventLoop().schedule(() -> retainThenStore(session, lane, batch, attempt + 1),
                        RETRY_DELAY_MS << attempt, TimeUnit.MILLISECONDS);
                return;
            }
            if (error == null && Boolean.TRUE.equals(stored)) {
                store(session, lane, batch, 0);
                return;
            }
            lane.writing = false;
            session.inbound().storing(-batch.size(), -payloadBytes(batch));
            if (error != null) {
                if (request.qos() > 0) {
                    WARNINGS.warn("meta", "Retained message of {} on {} could not be written to meta ({} tries), closing the"
                            + " connection unacknowledged: {}", session.clientId(), request.topic(), MAX_ATTEMPTS, error.getMessage());
                    channel.close();
                    return;
                }
                WARNINGS.warn("retained", "Refused a retained message of {}: {}", session.clientId(), "retained QoS 0 message on "
                        + request.topic() + " dropped: meta did not take it in " + MAX_ATTEMPTS + " tries: " + error.getMessage());
            } else {
                refuseRetained(session, request.qos(), request.topic(),
                        "retained.max=" + retainedMax + " topics already hold a retained message");
                if (request.qos() > 0) {
                    return;
                }
            }
            continueLane(session, lane, request.topic());
        }));
    }

    /** Completes with whether meta took it (false: a new topic beyond retained.max). */
    private CompletableFuture<Boolean> retainedWrite(PublishRequest request) {
        try {
            return meta.retain(new RetainedMessage(request.topic(), request.payload(), request.qos()), retainedMax);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A retained message over a limit is refused (MQTT-3.3.1-7 allows it): QoS 0 is dropped,
     * QoS 1 and 2 close the connection, since there is no negative acknowledgement in 3.1.1.
     */
    private static void refuseRetained(Session session, int qos, String topic, String reason) {
        WARNINGS.warn("retained", "Refused a retained message of {}: {}", session.clientId(),
                "retained message on " + topic + (qos > 0 ? " (QoS " + qos + ", connection closed)" : " (QoS 0, dropped)")
                        + ": " + reason);
        if (qos > 0) {
            session.channel().close();
        }
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
            boolean permanent = error != null && StoreException.isPermanent(error);
            if (error != null && !permanent && channel.isActive() && attempt + 1 < MAX_ATTEMPTS) {
                LOG.debug("Store of {} message(s) from {} on {} failed (try {}), trying again: {}",
                        batch.size(), session.clientId(), topic, attempt + 1, error.getMessage());
                ReadSuspension.suspend(channel, ReadSuspension.Reason.STORING);
                channel.eventLoop().schedule(() -> store(session, lane, batch, attempt + 1),
                        RETRY_DELAY_MS << attempt, TimeUnit.MILLISECONDS);
                return;
            }
            lane.writing = false;
            inbound.storing(-batch.size(), -payloadBytes(batch));
            if (permanent) {
                // Sending it again cannot help: answer now rather than loop (never acknowledged).
                boolean close = batch.stream().anyMatch(w -> w.request().qos() > 0);
                WARNINGS.warn("refused", "The store refused message(s) of {} for good: {}", session.clientId(),
                        batch.size() + " message(s) on " + topic + (close ? ", connection closed" : ", QoS 0 dropped") + ": " + error.getMessage());
                if (close) {
                    channel.close();
                    return;
                }
            } else if (error != null) {
                if (batch.stream().anyMatch(w -> w.request().qos() > 0)) {
                    // Throttled: while the broker is down every publishing connection ends here.
                    WARNINGS.warn("store", "Store of {} message(s) from {} on {} failed {} times, closing the connection"
                            + " unacknowledged: {}", batch.size(), session.clientId(), topic, MAX_ATTEMPTS, error.getMessage());
                    channel.close();
                    return;
                }
                WARNINGS.warn("store-qos0", "Store of {} QoS 0 message(s) from {} on {} failed {} times; dropped: {}",
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
            continueLane(session, lane, topic);
        }));
    }

    private static long payloadBytes(List<InboundState.Incoming> batch) {
        long bytes = 0;
        for (InboundState.Incoming w : batch) {
            bytes += w.request().payload().length;
        }
        return bytes;
    }

    /** After a write of {@code lane}: reading on if there is room, the next write if one waits. */
    private void continueLane(Session session, InboundState.Lane lane, String topic) {
        Channel channel = session.channel();
        InboundState inbound = session.inbound();
        if (!channel.isActive()) {
            return;
        }
        if (inbound.storing() < maxStoring / 2 && inbound.storingBytes() < maxStoringBytes / 2) {
            ReadSuspension.resume(channel, ReadSuspension.Reason.STORING);
        }
        if (lane.waiting.isEmpty()) {
            inbound.dropIfIdle(topic, lane);
        } else {
            write(session, lane);
        }
    }

    /**
     * Publishes a will (MQTT-3.1.2-8) as if its client had sent it: retained in meta first when it
     * says so (MQTT-3.1.2-17), then stored at its QoS. Failures are tried again like a device's
     * publish; completes exceptionally when that did not help or the message was refused.
     */
    public CompletableFuture<Void> publishWill(WillMessage will) {
        PublishRequest request = new PublishRequest(will.topic(), will.qos(), will.retain(), will.payload(),
                will.clientId(), meta.matchingWildcardFilters(will.topic()));
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!allowDollarTopics && will.topic().startsWith("$")) {
            // The same rule as for the client's own publishes (MQTT-4.7.2-1).
            LOG.debug("Dropped the will of {} to {}: devices may not publish to '$' topics (publish.allowDollarTopics)",
                    will.clientId(), will.topic());
            done.complete(null);
            return done;
        }
        if (will.retain() && will.payload().length > retainedMaxPayload) {
            done.completeExceptionally(new IllegalStateException("retained will of " + will.payload().length
                    + " bytes exceeds retained.maxPayload=" + retainedMaxPayload));
            return done;
        }
        publishWill(request, will.retain(), 0, done);
        return done;
    }

    /**
     * A message an operator injects (admin API): stored and dispatched like a device's publish,
     * retained first when asked, retried like a will. Completes exceptionally with
     * IllegalArgumentException for a message a device could not publish either.
     */
    public CompletableFuture<Void> inject(String topic, byte[] payload, int qos, boolean retain, String origin) {
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("invalid topic: " + e.getMessage()));
        }
        if (qos < 0 || qos > 2) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("qos must be 0, 1 or 2"));
        }
        if (!allowDollarTopics && topic.startsWith("$")) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "topics starting with '$' are the server's (publish.allowDollarTopics=false)"));
        }
        if (retain && payload.length > retainedMaxPayload) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("retained payload of " + payload.length
                    + " bytes exceeds retained.maxPayload=" + retainedMaxPayload));
        }
        PublishRequest request = new PublishRequest(topic, qos, retain, payload, origin, meta.matchingWildcardFilters(topic));
        CompletableFuture<Void> done = new CompletableFuture<>();
        publishWill(request, retain, 0, done);
        return done;
    }

    private void publishWill(PublishRequest request, boolean retainFirst, int attempt, CompletableFuture<Void> done) {
        CompletableFuture<Boolean> retained = retainFirst ? retainedWrite(request) : CompletableFuture.completedFuture(true);
        retained.thenCompose(ok -> {
            if (!ok) {
                throw new IllegalStateException("retained.max=" + retainedMax + " topics already hold a retained message");
            }
            return store.publish(request);
        }).whenComplete((receipt, error) -> {
            if (error == null) {
                done.complete(null);
            } else if (!StoreException.isPermanent(error) && !(unwrap(error) instanceof IllegalStateException)
                    && attempt + 1 < MAX_ATTEMPTS) {
                // A will whose meta write took effect is not retained again: the same message.
                boolean again = retainFirst && !(unwrap(error) instanceof StoreException);
                CompletableFuture.delayedExecutor(RETRY_DELAY_MS << attempt, TimeUnit.MILLISECONDS)
                        .execute(() -> publishWill(request, again, attempt + 1, done));
            } else {
                done.completeExceptionally(unwrap(error));
            }
        });
    }

    /**
     * A backend message with {@code mqttRetain=true} sets (or, empty, clears) its topic's retained
     * message. On the notifier's consume thread, never an event loop: waits for meta, and throws
     * {@link StoreException} when meta fails so that the message is consumed again. A message
     * over a limit or with an invalid topic is not retained (WARN) but still delivered.
     */
    public void retainFromBackend(String topic, byte[] payload, int qos, java.time.Duration timeout) {
        if (payload.length > retainedMaxPayload) {
            WARNINGS.warn("retained", "Refused a retained message of {}: {}", "(backend)", "retained message on " + topic + ": payload of "
                    + payload.length + " bytes exceeds retained.maxPayload=" + retainedMaxPayload);
            return;
        }
        boolean stored;
        try {
            stored = meta.retain(new RetainedMessage(topic, payload, qos), retainedMax)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IllegalArgumentException e) {
            LOG.warn("Backend message on {} cannot be retained: {}", topic, e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while retaining a backend message on " + topic, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new StoreException("retaining a backend message on " + topic + " failed: " + unwrap(e).getMessage(), e);
        }
        if (!stored) {
            WARNINGS.warn("retained", "Refused a retained message of {}: {}", "(backend)", "retained message on " + topic + ": retained.max="
                    + retainedMax + " topics already hold a retained message");
        }
    }

    private static Throwable unwrap(Throwable error) {
        return (error instanceof java.util.concurrent.CompletionException
                || error instanceof java.util.concurrent.ExecutionException) && error.getCause() != null ? error.getCause() : error;
    }

    /**
     * A PUBLISH refused ('$' topics are the server's, MQTT-4.7.2-1; or the ACL) is dropped, but
     * acknowledged at its QoS so that the client does not send it again and again.
     */
    private static void dropRefused(Session session, int qos, int packetId) {
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
