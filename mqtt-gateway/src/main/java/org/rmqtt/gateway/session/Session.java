package org.rmqtt.gateway.session;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected client's session: its subscriptions, their read positions in RocketMQ, and the
 * outbound flow (pull → pending → in-flight window → acknowledged).
 *
 * <p>Confined to the channel's event loop: every method except the constructor, {@link #clientId}
 * and {@link #execute} must run there, so the state needs no locks. Storage futures complete on
 * RocketMQ threads and hop back with {@link #execute}.
 */
public final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final int MAX_PACKET_ID = 65_535;
    private static final long MAX_RETRY_DELAY_MS = 1_000;

    private final String clientId;
    private final Channel channel;
    private final EventLoop loop;
    private final MessageStore store;
    private final SubscriptionIndex index;
    private final int maxInflight;
    private final int pullBatch;
    private final int maxPending;

    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Map<Integer, Inflight> inflight = new LinkedHashMap<>();
    /** Cursors that stopped pulling because {@link #pending} was full. */
    private final Set<Subscription.Cursor> stalled = new LinkedHashSet<>();
    private final Map<Subscription.Cursor, Subscription> cursorOwners = new HashMap<>();
    private final InboundState inbound = new InboundState();
    private int nextPacketId = 1;
    private boolean closed;

    private record Pending(Subscription subscription, StoredMessage message) {}

    private enum Stage { AWAIT_PUBACK, AWAIT_PUBREC, AWAIT_PUBCOMP }

    private static final class Inflight {
        final Subscription subscription;
        final StoredMessage message;
        Stage stage;

        Inflight(Subscription subscription, StoredMessage message, Stage stage) {
            this.subscription = subscription;
            this.message = message;
            this.stage = stage;
        }
    }

    public Session(String clientId, Channel channel, MessageStore store, SubscriptionIndex index, int maxInflight, int pullBatch) {
        this.clientId = clientId;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.store = store;
        this.index = index;
        this.maxInflight = maxInflight;
        this.pullBatch = pullBatch;
        this.maxPending = Math.max(2 * maxInflight, 2 * pullBatch);
    }

    public String clientId() {
        return clientId;
    }

    public Channel channel() {
        return channel;
    }

    /** State of the client → server flow (publish ordering, QoS 2 packet ids). */
    public InboundState inbound() {
        return inbound;
    }

    /** Runs {@code task} on this session's event loop. */
    public void execute(Runnable task) {
        loop.execute(task);
    }

    public boolean closed() {
        return closed;
    }

    // ---- subscriptions ----

    /** Subscribes each filter; completes with the SUBACK return codes (0x80 where it failed). */
    public CompletableFuture<List<Integer>> subscribe(List<String> filters, List<Integer> grantedQos) {
        List<CompletableFuture<Integer>> results = new ArrayList<>(filters.size());
        for (int i = 0; i < filters.size(); i++) {
            results.add(subscribeOne(filters.get(i), grantedQos.get(i)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(v -> results.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Integer> subscribeOne(String filter, int qos) {
        Subscription existing = subscriptions.get(filter);
        if (existing != null) {
            existing.qos(qos); // MQTT-3.8.4-3: replaces the old subscription, keeps the flow going
            return CompletableFuture.completedFuture(qos);
        }
        Subscription sub = new Subscription(this, filter, qos);
        subscriptions.put(filter, sub);
        CompletableFuture<Integer> granted = new CompletableFuture<>();
        // New subscriptions see only what is stored from now on.
        store.maxOffsets(sub.lmq()).whenComplete((offsets, error) -> execute(() -> {
            if (error != null || closed || subscriptions.get(filter) != sub) {
                if (error != null) {
                    LOG.warn("Subscribe of {} to {} failed: {}", clientId, filter, error.getMessage());
                }
                subscriptions.remove(filter, sub);
                granted.complete(0x80);
                return;
            }
            offsets.forEach((broker, offset) -> addCursor(sub, broker, offset));
            index.add(sub).whenComplete((ok, metaError) -> execute(() -> {
                if (metaError != null) {
                    LOG.warn("Subscribe of {} to {} failed in meta: {}", clientId, filter, metaError.getMessage());
                    removeSubscription(sub);
                    granted.complete(0x80);
                } else {
                    granted.complete(qos);
                }
            }));
        }));
        return granted;
    }

    private Subscription.Cursor addCursor(Subscription sub, String broker, long offset) {
        Subscription.Cursor cursor = new Subscription.Cursor(broker, offset);
        sub.cursors.put(broker, cursor);
        cursorOwners.put(cursor, sub);
        return cursor;
    }

    public void unsubscribe(List<String> filters) {
        for (String filter : filters) {
            Subscription sub = subscriptions.get(filter);
            if (sub != null) {
                removeSubscription(sub);
            }
        }
    }

    private void removeSubscription(Subscription sub) {
        subscriptions.remove(sub.filter(), sub);
        sub.cursors.values().forEach(c -> {
            cursorOwners.remove(c);
            stalled.remove(c);
        });
        pending.removeIf(p -> p.subscription() == sub);
        index.remove(sub);
    }

    // ---- outbound flow ----

    /** An event said {@code sub}'s LMQ on {@code broker} holds a message at {@code offset}. */
    public void onTopicEvent(Subscription sub, String broker, long offset) {
        if (closed || subscriptions.get(sub.filter()) != sub) {
            return;
        }
        Subscription.Cursor cursor = sub.cursors.get(broker);
        if (cursor == null) {
            // A broker that joined after the subscription: its LMQ part starts with this message.
            cursor = addCursor(sub, broker, offset);
        }
        cursor.knownEnd = Math.max(cursor.knownEnd, offset + 1);
        maybePull(sub, cursor);
    }

    private void maybePull(Subscription sub, Subscription.Cursor cursor) {
        if (closed || cursor.pulling || cursor.retryScheduled || cursor.nextOffset >= cursor.knownEnd) {
            return;
        }
        if (pending.size() >= maxPending) {
            stalled.add(cursor);
            return;
        }
        cursor.pulling = true;
        store.pull(cursor.broker, sub.lmq(), cursor.nextOffset, pullBatch)
                .whenComplete((batch, error) -> execute(() -> onPulled(sub, cursor, batch, error)));
    }

    private void onPulled(Subscription sub, Subscription.Cursor cursor, PullBatch batch, Throwable error) {
        cursor.pulling = false;
        if (closed || subscriptions.get(sub.filter()) != sub) {
            return;
        }
        if (error != null) {
            LOG.debug("Pull of {} for {} failed, retrying: {}", sub.lmq(), clientId, error.getMessage());
            retryLater(sub, cursor);
            return;
        }
        switch (batch.status()) {
            case FOUND -> {
                cursor.emptyPulls = 0;
                for (StoredMessage m : batch.messages()) {
                    if (m.offset() >= cursor.nextOffset) {
                        pending.add(new Pending(sub, m));
                    }
                }
                cursor.nextOffset = Math.max(cursor.nextOffset, batch.nextOffset());
                cursor.knownEnd = Math.max(cursor.knownEnd, cursor.nextOffset);
                drain();
                maybePull(sub, cursor);
            }
            case NO_NEW_MESSAGES -> {
                // LMQ dispatch is asynchronous: an announced message may not be readable yet.
                retryLater(sub, cursor);
            }
            case OFFSET_MOVED -> {
                LOG.warn("Offset {} of {} on {} for {} is gone (expired?); continuing at {}",
                        cursor.nextOffset, sub.lmq(), cursor.broker, clientId, batch.nextOffset());
                cursor.nextOffset = batch.nextOffset();
                maybePull(sub, cursor);
            }
        }
    }

    private void retryLater(Subscription sub, Subscription.Cursor cursor) {
        cursor.emptyPulls++;
        long delay = Math.min(MAX_RETRY_DELAY_MS, 1L << Math.min(cursor.emptyPulls, 10));
        cursor.retryScheduled = true;
        loop.schedule(() -> {
            cursor.retryScheduled = false;
            maybePull(sub, cursor);
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Sends pending messages while the window and the socket allow; called after every change. */
    public void drain() {
        if (closed) {
            return;
        }
        boolean wrote = false;
        while (!pending.isEmpty() && channel.isWritable()) {
            Pending next = pending.peek();
            Subscription sub = next.subscription();
            int qos = Math.min(next.message().qos(), sub.qos());
            if (qos > 0 && inflight.size() >= maxInflight) {
                break;
            }
            pending.poll();
            int packetId = 0;
            if (qos > 0) {
                packetId = allocatePacketId();
                inflight.put(packetId, new Inflight(sub, next.message(), qos == 1 ? Stage.AWAIT_PUBACK : Stage.AWAIT_PUBREC));
            }
            channel.write(publish(next.message(), qos, packetId, false));
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
        if (pending.size() < maxPending / 2 && !stalled.isEmpty()) {
            List<Subscription.Cursor> resume = new ArrayList<>(stalled);
            stalled.clear();
            for (Subscription.Cursor c : resume) {
                Subscription owner = cursorOwners.get(c);
                if (owner != null) {
                    maybePull(owner, c);
                }
            }
        }
    }

    private static MqttPublishMessage publish(StoredMessage m, int qos, int packetId, boolean dup) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), false, 0),
                new MqttPublishVariableHeader(m.topic(), packetId),
                Unpooled.wrappedBuffer(m.payload()));
    }

    private int allocatePacketId() {
        // The window is far below 65535, so a free id is always near.
        while (true) {
            int id = nextPacketId;
            nextPacketId = id == MAX_PACKET_ID ? 1 : id + 1;
            if (!inflight.containsKey(id)) {
                return id;
            }
        }
    }

    public void onPubAck(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.stage == Stage.AWAIT_PUBACK) {
            inflight.remove(packetId);
            drain();
        } else {
            LOG.debug("PUBACK {} from {} matches no QoS 1 message in flight", packetId, clientId);
        }
    }

    public void onPubRec(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.stage == Stage.AWAIT_PUBREC) {
            f.stage = Stage.AWAIT_PUBCOMP;
        } else if (f == null) {
            LOG.debug("PUBREC {} from {} matches no QoS 2 message in flight", packetId, clientId);
        }
        // PUBREL also answers a repeated PUBREC (MQTT-4.3.3-2 allows the client to resend).
        channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId)));
    }

    public void onPubComp(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.stage == Stage.AWAIT_PUBCOMP) {
            inflight.remove(packetId);
            drain();
        }
    }

    /** Ends the session: unregisters its subscriptions. Idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Subscription sub : List.copyOf(subscriptions.values())) {
            removeSubscription(sub);
        }
        pending.clear();
        inflight.clear();
        stalled.clear();
    }

    /** For tests and metrics. */
    public int inflightCount() {
        return inflight.size();
    }

    public Set<String> filters() {
        return Set.copyOf(subscriptions.keySet());
    }
}
