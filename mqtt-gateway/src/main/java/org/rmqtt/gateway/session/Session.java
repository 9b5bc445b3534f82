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
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.notify.HandOffBatch;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoreException;
import org.rmqtt.store.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected client's session: its subscriptions, their read positions in RocketMQ, and the
 * outbound flow (pull → pending → in-flight window → acknowledged). A persistent session
 * (CleanSession=0) also keeps its subscriptions in meta and can be captured as a
 * {@link SessionState} and resumed from one, on this node or another.
 *
 * <p>Confined to the channel's event loop: every method except the constructor, {@link #clientId},
 * {@link #execute} and the epoch accessors must run there, so the state needs no locks. Storage
 * and meta futures complete on their own threads and hop back with {@link #execute}.
 */
public final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final int MAX_PACKET_ID = 65_535;
    private static final long MAX_RETRY_DELAY_MS = 1_000;
    /** Retained messages per SUBSCRIBE checked against the first LMQ read (see Subscription.justRetained). */
    private static final int MAX_RETAINED_DEDUP = 1_000;

    private final String clientId;
    private final boolean persistent;
    private final Channel channel;
    private final EventLoop loop;
    private final MessageStore store;
    private final SubscriptionIndex index;
    private final MetaClient meta;
    private final int maxInflight;
    private final int pullBatch;
    private final int maxPending;
    /** Told once each time a persistent session's state starts to differ from what was saved; saves it. */
    private final SessionRegistry registry;

    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Map<Integer, Inflight> inflight = new LinkedHashMap<>();
    /** Cursors that stopped pulling because {@link #pending} was full. */
    private final Set<Subscription.Cursor> stalled = new LinkedHashSet<>();
    private final Map<Subscription.Cursor, Subscription> cursorOwners = new HashMap<>();
    private final InboundState inbound = new InboundState();
    private int nextPacketId = 1;
    private boolean closed;
    /** While a resumed session fetches its unfinished deliveries, nothing new is pulled or sent. */
    private boolean resuming;
    /** Something a {@link SessionState} records changed since the last {@link #takeDirty}. */
    private boolean dirty;
    /** A persistent session that {@link #resume} started: only then is there state worth saving. */
    private boolean resumed;
    /** Closed because another connection took the session over; its state went with it. */
    private boolean handedOver;
    /** Work waiting for the next save of the state ({@link #afterSaved}), and whether one is under way. */
    private List<Runnable> waitingForSave = new ArrayList<>();
    private boolean saving;
    /** The cluster-wide claim on the clientId, -1 until meta granted it. */
    private volatile long epoch = -1;
    /** Set at CONNACK; for operators (admin API). */
    private volatile long connectedAtMillis;
    private volatile int keepAliveSeconds;

    private record Pending(Subscription subscription, Subscription.Cursor cursor, StoredMessage message) {}

    private enum Stage { AWAIT_PUBACK, AWAIT_PUBREC, AWAIT_PUBCOMP }

    private static final class Inflight {
        final String filter;
        final String broker;
        final long offset;
        final int qos;
        Stage stage;
        /** Only while a resumed delivery waits to be sent again. */
        StoredMessage message;

        Inflight(String filter, String broker, long offset, int qos, Stage stage) {
            this.filter = filter;
            this.broker = broker;
            this.offset = offset;
            this.qos = qos;
            this.stage = stage;
        }
    }

    public Session(String clientId, boolean persistent, Channel channel, MessageStore store, SubscriptionIndex index,
                   MetaClient meta, int maxInflight, int pullBatch, SessionRegistry registry) {
        this.clientId = clientId;
        this.persistent = persistent;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.store = store;
        this.index = index;
        this.meta = meta;
        this.maxInflight = maxInflight;
        this.pullBatch = pullBatch;
        this.maxPending = Math.max(2 * maxInflight, 2 * pullBatch);
        this.registry = registry;
    }

    public String clientId() {
        return clientId;
    }

    /** CleanSession=0: the session outlives the connection. */
    public boolean persistent() {
        return persistent;
    }

    public Channel channel() {
        return channel;
    }

    public long epoch() {
        return epoch;
    }

    void epoch(long epoch) {
        this.epoch = epoch;
    }

    boolean resumed() {
        return resumed;
    }

    boolean handedOver() {
        return handedOver;
    }

    void markHandedOver() {
        handedOver = true;
    }

    /** State of the client → server flow (publish ordering, QoS 2 packet ids). */
    public InboundState inbound() {
        return inbound;
    }

    /** Runs {@code task} on this session's event loop (in a {@link HandOffBatch}, once the batch ends). */
    public void execute(Runnable task) {
        HandOffBatch.execute(loop, task);
    }

    public boolean closed() {
        return closed;
    }

    /** Something a checkpoint records changed (e.g. the QoS 2 ids of the inbound flow). */
    public void markDirty() {
        if (!dirty) {
            dirty = true;
            if (persistent) {
                registry.changed(this);
            }
        }
    }

    /**
     * Runs {@code then} once the session's current state is saved in meta (at once for a clean
     * session). Saves requested while one is under way share the next one.
     */
    public void afterSaved(Runnable then) {
        if (!persistent) {
            then.run();
            return;
        }
        waitingForSave.add(then);
        if (!saving) {
            saveNow();
        }
    }

    private void saveNow() {
        saving = true;
        List<Runnable> waiting = waitingForSave;
        waitingForSave = new ArrayList<>();
        registry.save(this, capture(false)).whenComplete((saved, error) -> execute(() -> {
            saving = false;
            if (error != null || !Boolean.TRUE.equals(saved)) {
                // Go on without the guarantee rather than stall the client's QoS 2 flow.
                LOG.debug("Could not save the session of {} ({}); acknowledging anyway", clientId,
                        error != null ? error.getMessage() : "no longer its owner");
            }
            waiting.forEach(Runnable::run);
            if (!waitingForSave.isEmpty() && !closed) {
                saveNow();
            }
        }));
    }

    /** True if the state changed since the last call; clears the mark. */
    boolean takeDirty() {
        boolean was = dirty;
        dirty = false;
        return was;
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
            // ... and its retained messages are sent again.
            existing.retainedToSend = List.of();
            CompletableFuture<Integer> granted = new CompletableFuture<>();
            remember(existing).thenCompose(v -> meta.retained(filter)).whenComplete((retained, error) -> execute(() -> {
                if (error != null) {
                    LOG.warn("Subscribe of {} to {} again failed in meta: {}", clientId, filter, error.getMessage());
                    existing.retainedToSend = null;
                    resumeReading(existing);
                    granted.complete(0x80);
                } else {
                    existing.retainedToSend = retained;
                    granted.complete(qos);
                }
            }));
            return granted;
        }
        Subscription sub = new Subscription(this, filter, qos);
        sub.retainedToSend = List.of();
        subscriptions.put(filter, sub);
        CompletableFuture<Integer> granted = new CompletableFuture<>();
        // New subscriptions see only what is stored from now on.
        store.subscriptionStart(sub.lmq()).whenComplete((offsets, error) -> execute(() -> {
            if (error != null || closed || subscriptions.get(filter) != sub) {
                if (StoreException.isPermanent(error)) {
                    // The store refused it for good (at its queue limit) and says so itself, once a minute.
                    LOG.debug("Subscribe of {} to {} refused: {}", clientId, filter, error.getMessage());
                } else if (error != null) {
                    LOG.warn("Subscribe of {} to {} failed: {}", clientId, filter, error.getMessage());
                }
                subscriptions.remove(filter, sub);
                granted.complete(0x80);
                return;
            }
            offsets.forEach((broker, offset) -> addCursor(sub, broker, offset));
            // Retained messages are read after the LMQ ends: one stored meanwhile is then retained,
            // read from the LMQ, or (both writes landing in between) both, but never missed.
            index.add(sub).thenCompose(v -> remember(sub)).thenCompose(v -> meta.retained(filter))
                    .whenComplete((retained, metaError) -> execute(() -> {
                if (metaError != null) {
                    LOG.warn("Subscribe of {} to {} failed in meta: {}", clientId, filter, metaError.getMessage());
                    removeSubscription(sub, false);
                    granted.complete(0x80);
                } else if (subscriptions.get(filter) == sub) {
                    sub.retainedToSend = retained;
                    markDirty();
                    granted.complete(qos);
                } else {
                    granted.complete(0x80);
                }
            }));
        }));
        return granted;
    }

    /**
     * After the SUBACK: sends the retained messages that the SUBSCRIBE of {@code filters} found
     * (MQTT-3.3.1-6), with RETAIN=1 (MQTT-3.3.1-8) at min(their QoS, granted QoS), then lets the
     * subscriptions read their LMQs.
     */
    public void sendRetained(List<String> filters) {
        if (closed) {
            return;
        }
        for (String filter : filters) {
            Subscription sub = subscriptions.get(filter);
            if (sub == null || sub.retainedToSend == null) {
                continue;
            }
            for (org.rmqtt.meta.RetainedMessage r : sub.retainedToSend) {
                pending.add(new Pending(sub, null, new StoredMessage(r.topic(), r.qos(), true, r.payload(), -1)));
                if (sub.justRetained == null) {
                    sub.justRetained = new HashMap<>();
                }
                if (sub.justRetained.size() < MAX_RETAINED_DEDUP) {
                    sub.justRetained.put(r.topic(), r);
                }
            }
            sub.retainedToSend = null;
        }
        drain();
        for (String filter : filters) {
            Subscription sub = subscriptions.get(filter);
            if (sub != null) {
                resumeReading(sub);
            }
        }
    }

    private void resumeReading(Subscription sub) {
        sub.cursors.values().forEach(c -> maybePull(sub, c));
    }

    /** A persistent session's subscription is kept in meta before it is acknowledged. */
    private CompletableFuture<Void> remember(Subscription sub) {
        if (!persistent) {
            return CompletableFuture.completedFuture(null);
        }
        return meta.addSubscription(clientId, new org.rmqtt.meta.Subscription(sub.filter(), sub.qos()));
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
                removeSubscription(sub, true);
            }
        }
    }

    /** @param forget also drop a persistent session's subscription from meta (not when the connection just ends) */
    private void removeSubscription(Subscription sub, boolean forget) {
        subscriptions.remove(sub.filter(), sub);
        sub.cursors.values().forEach(c -> {
            cursorOwners.remove(c);
            stalled.remove(c);
        });
        pending.removeIf(p -> p.subscription() == sub);
        index.remove(sub);
        if (forget && persistent) {
            markDirty();
            meta.removeSubscription(clientId, sub.filter()).exceptionally(e -> {
                LOG.warn("Could not remove subscription {} of {} from meta: {}", sub.filter(), clientId, e.getMessage());
                return null;
            });
        }
    }

    // ---- persistence ----

    /**
     * What this session would resume from: positions behind every message not yet sent, the
     * deliveries not finished, the inbound QoS 2 ids awaiting release.
     *
     * @param complete true when nothing is sent after this (the connection ends)
     */
    public SessionState capture(boolean complete) {
        Map<Subscription.Cursor, Long> firstPending = new HashMap<>();
        for (Pending p : pending) {
            if (p.cursor() != null) {
                firstPending.putIfAbsent(p.cursor(), p.message().offset());
            }
        }
        List<SessionState.Position> positions = new ArrayList<>();
        for (Subscription sub : subscriptions.values()) {
            for (Subscription.Cursor c : sub.cursors.values()) {
                positions.add(new SessionState.Position(sub.filter(), c.broker, firstPending.getOrDefault(c, c.nextOffset)));
            }
        }
        List<SessionState.Unacked> unacked = new ArrayList<>(inflight.size());
        inflight.forEach((id, f) -> {
            // A retained message in flight has no LMQ position to resend it from (see docs/architecture.md).
            if (f.broker != null) {
                unacked.add(new SessionState.Unacked(id, f.filter, f.broker, f.offset, f.qos, f.stage == Stage.AWAIT_PUBCOMP));
            }
        });
        List<Integer> releasePending = new ArrayList<>();
        inbound.awaitingRelease().forEach((id, stored) -> {
            if (stored) {
                releasePending.add(id);
            }
        });
        return new SessionState(complete, nextPacketId, positions, unacked, releasePending);
    }

    /**
     * Resumes a persistent session after CONNACK: its subscriptions come back with their read
     * positions, unfinished deliveries are sent again first (DUP=1, same packet ids; PUBREL where
     * PUBREC had come), then what was stored while the client was away, in order.
     */
    public void resume(List<org.rmqtt.meta.Subscription> kept, SessionState state) {
        resumed = true;
        resuming = true;
        nextPacketId = state.nextPacketId();
        state.releasePending().forEach(id -> inbound.awaitingRelease().put(id, true));
        for (SessionState.Unacked u : state.unacked()) {
            Stage stage = u.released() ? Stage.AWAIT_PUBCOMP : u.qos() == 1 ? Stage.AWAIT_PUBACK : Stage.AWAIT_PUBREC;
            inflight.put(u.packetId(), new Inflight(u.filter(), u.broker(), u.offset(), u.qos(), stage));
        }
        Map<String, List<SessionState.Position>> positions = new HashMap<>();
        state.positions().forEach(p -> positions.computeIfAbsent(p.filter(), f -> new ArrayList<>()).add(p));
        List<CompletableFuture<?>> steps = new ArrayList<>();
        for (org.rmqtt.meta.Subscription s : kept) {
            Subscription sub = new Subscription(this, s.filter(), s.qos());
            subscriptions.put(s.filter(), sub);
            positions.getOrDefault(s.filter(), List.of()).forEach(p -> addCursor(sub, p.broker(), p.offset()));
            // Events for the filter first, then the LMQ ends: nothing stored in between goes unannounced.
            steps.add(index.add(sub).handle((v, error) -> {
                if (error != null) {
                    LOG.warn("Resuming subscription {} of {}: meta did not take the filter ({}); it is read on reconnect",
                            s.filter(), clientId, error.getMessage());
                }
                return null;
            }).thenCompose(v -> store.maxOffsets(sub.lmq()))
                    .whenComplete((ends, error) -> execute(() -> onEnds(sub, ends, error, state.complete()))));
        }
        inflight.forEach((id, f) -> {
            if (f.stage != Stage.AWAIT_PUBCOMP) {
                steps.add(store.pull(f.broker, LmqNames.of(f.filter), f.offset, 1)
                        .whenComplete((batch, error) -> execute(() -> onRefetched(id, f, batch, error))));
            }
        });
        CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> execute(this::resumeDeliveries));
    }

    /** The LMQ ends of a resumed subscription: brokers it had no position on start there. */
    private void onEnds(Subscription sub, Map<String, Long> ends, Throwable error, boolean complete) {
        if (error != null) {
            LOG.warn("Resuming subscription {} of {}: {}; it reads on when new messages arrive", sub.filter(), clientId,
                    error.getMessage());
            return;
        }
        if (subscriptions.get(sub.filter()) != sub) {
            return;
        }
        ends.forEach((broker, end) -> {
            Subscription.Cursor c = sub.cursors.get(broker);
            if (c == null) {
                c = addCursor(sub, broker, end);
            }
            c.knownEnd = Math.max(c.knownEnd, end);
            if (!complete) {
                // The last checkpoint may predate deliveries the crash did not let us record.
                c.dupBelow = end;
            }
        });
    }

    private void onRefetched(int packetId, Inflight f, PullBatch batch, Throwable error) {
        if (inflight.get(packetId) != f) {
            return;
        }
        StoredMessage m = error == null && batch.status() == PullBatch.Status.FOUND && !batch.messages().isEmpty()
                ? batch.messages().get(0) : null;
        if (m == null || m.offset() != f.offset) {
            LOG.warn("Unacknowledged message {} of {} ({} at offset {} on {}) is no longer readable{}; not resent",
                    packetId, clientId, f.filter, f.offset, f.broker, error == null ? "" : ": " + error.getMessage());
            inflight.remove(packetId);
            return;
        }
        f.message = m;
    }

    private void resumeDeliveries() {
        if (closed) {
            return;
        }
        resuming = false;
        inflight.forEach((id, f) -> {
            if (f.stage == Stage.AWAIT_PUBCOMP) {
                channel.write(pubrel(id));
            } else if (f.message != null) {
                channel.write(publish(f.message, f.qos, id, true)); // MQTT-4.4.0-1: same id, DUP=1
                f.message = null;
            }
        });
        channel.flush();
        for (Subscription sub : subscriptions.values()) {
            sub.cursors.values().forEach(c -> maybePull(sub, c));
        }
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

    /**
     * An event carried the message at {@code message.offset()} of {@code sub}'s LMQ on
     * {@code broker}: a cursor reading exactly there queues it without a pull, as if a pull had
     * read it; any other cursor treats it as a plain event (the LMQ stays the truth, and what it
     * skips is pulled in order).
     */
    public void onTopicEvent(Subscription sub, String broker, StoredMessage message) {
        if (closed || subscriptions.get(sub.filter()) != sub) {
            return;
        }
        Subscription.Cursor cursor = sub.cursors.get(broker);
        long offset = message.offset();
        if (cursor == null || cursor.nextOffset != offset || resuming || sub.retainedToSend != null
                || pending.size() >= maxPending) {
            onTopicEvent(sub, broker, offset);
            return;
        }
        // A pull under way from this offset returns this message too; onPulled skips offsets below nextOffset.
        if (!sentAsRetained(sub, message)) {
            pending.add(new Pending(sub, cursor, message));
        }
        sub.justRetained = null;
        cursor.nextOffset = offset + 1;
        cursor.knownEnd = Math.max(cursor.knownEnd, cursor.nextOffset);
        cursor.emptyPulls = 0;
        drain();
    }

    /**
     * The periodic catch-up read {@code end} as the next offset of {@code sub}'s LMQ on
     * {@code broker}: reads up to there if no event said so.
     *
     * @return whether this told the cursor something new (an event was lost or is late)
     */
    public boolean onCatchUp(Subscription sub, String broker, long end) {
        if (closed || subscriptions.get(sub.filter()) != sub) {
            return false;
        }
        Subscription.Cursor cursor = sub.cursors.get(broker);
        if (cursor == null || cursor.knownEnd >= end) {
            // No cursor: a broker that joined after the subscription; its first event starts one.
            return false;
        }
        cursor.knownEnd = end;
        maybePull(sub, cursor);
        return true;
    }

    private void maybePull(Subscription sub, Subscription.Cursor cursor) {
        if (closed || resuming || sub.retainedToSend != null || cursor.pulling || cursor.retryScheduled || cursor.nextOffset >= cursor.knownEnd) {
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
                    if (m.offset() >= cursor.nextOffset && !sentAsRetained(sub, m)) {
                        pending.add(new Pending(sub, cursor, m));
                    }
                }
                sub.justRetained = null; // only the first read can hold the message just retained
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
                LOG.warn("Offset {} of {} on {} for {} is gone (past the retention?); continuing at {}",
                        cursor.nextOffset, sub.lmq(), cursor.broker, clientId, batch.nextOffset());
                cursor.nextOffset = batch.nextOffset();
                cursor.knownEnd = Math.max(cursor.knownEnd, cursor.nextOffset);
                markDirty();
                maybePull(sub, cursor);
            }
        }
    }

    /** The stored copy of a retained message this subscription got from meta a moment ago. */
    private static boolean sentAsRetained(Subscription sub, StoredMessage m) {
        if (sub.justRetained == null || !m.retain()) {
            return false;
        }
        org.rmqtt.meta.RetainedMessage r = sub.justRetained.remove(m.topic());
        return r != null && r.qos() == m.qos() && java.util.Arrays.equals(r.payload(), m.payload());
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
        if (closed || resuming) {
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
            // No cursor: a retained message sent for a new subscription, the only ones with RETAIN=1 (MQTT-3.3.1-9).
            boolean retained = next.cursor() == null;
            int packetId = 0;
            if (qos > 0) {
                packetId = allocatePacketId();
                inflight.put(packetId, new Inflight(sub.filter(), retained ? null : next.cursor().broker,
                        next.message().offset(), qos, qos == 1 ? Stage.AWAIT_PUBACK : Stage.AWAIT_PUBREC));
            }
            boolean dup = !retained && qos > 0 && next.message().offset() < next.cursor().dupBelow;
            channel.write(publish(next.message(), qos, packetId, dup, retained));
            wrote = true;
        }
        if (wrote) {
            markDirty();
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
        return publish(m, qos, packetId, dup, false);
    }

    private static MqttPublishMessage publish(StoredMessage m, int qos, int packetId, boolean dup, boolean retain) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(m.topic(), packetId),
                Unpooled.wrappedBuffer(m.payload()));
    }

    private static MqttMessage pubrel(int packetId) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
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
            markDirty();
            drain();
        } else {
            LOG.debug("PUBACK {} from {} matches no QoS 1 message in flight", packetId, clientId);
        }
    }

    public void onPubRec(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.stage == Stage.AWAIT_PUBREC) {
            f.stage = Stage.AWAIT_PUBCOMP;
            f.message = null;
            markDirty();
        } else if (f == null) {
            LOG.debug("PUBREC {} from {} matches no QoS 2 message in flight", packetId, clientId);
        }
        // PUBREL also answers a repeated PUBREC (MQTT-4.3.3-2 allows the client to resend).
        channel.writeAndFlush(pubrel(packetId));
    }

    public void onPubComp(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.stage == Stage.AWAIT_PUBCOMP) {
            inflight.remove(packetId);
            markDirty();
            drain();
        }
    }

    /**
     * Ends the session's life on this connection: its subscriptions stop receiving here. A
     * persistent session's subscriptions stay in meta. Idempotent.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Subscription sub : List.copyOf(subscriptions.values())) {
            removeSubscription(sub, false);
        }
        pending.clear();
        inflight.clear();
        stalled.clear();
    }

    /** The connection was accepted (CONNACK sent) at {@code atMillis}, with this keep-alive. */
    public void connected(long atMillis, int keepAliveSeconds) {
        this.connectedAtMillis = atMillis;
        this.keepAliveSeconds = keepAliveSeconds;
    }

    /** When the connection was accepted (epoch millis), 0 before CONNACK. */
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    /** Filter → granted QoS, sorted; on the session's loop. */
    public java.util.SortedMap<String, Integer> subscriptionQos() {
        java.util.SortedMap<String, Integer> result = new java.util.TreeMap<>();
        subscriptions.forEach((filter, sub) -> result.put(filter, sub.qos()));
        return result;
    }

    /** For tests and metrics. */
    public int inflightCount() {
        return inflight.size();
    }

    /**
     * Bytes this session holds for its client: payloads read and not yet sent, plus what waits in
     * the channel's send buffer. On the session's loop. Bounded by (pending bound + one pull batch)
     * messages and the high water mark plus one message; see docs/architecture.md, "Memory bounds".
     */
    public long bufferedBytes() {
        long bytes = 0;
        for (Pending p : pending) {
            bytes += p.message().payload().length;
        }
        io.netty.channel.ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return bytes + (out == null ? 0 : out.totalPendingWriteBytes());
    }

    /** Messages read from the store and not yet sent; on the session's loop. */
    public int pendingCount() {
        return pending.size();
    }

    /** The most messages {@link #pendingCount} stops pulling at (it may exceed it by one pull batch). */
    public int maxPending() {
        return maxPending;
    }

    public Set<String> filters() {
        return Set.copyOf(subscriptions.keySet());
    }

    public int subscriptionCount() {
        return subscriptions.size();
    }

    public boolean subscribed(String filter) {
        return subscriptions.containsKey(filter);
    }
}
