package org.rmqtt.store.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.sysflag.MessageSysFlag;
import org.apache.rocketmq.store.CommitLogDispatcher;
import org.apache.rocketmq.store.DispatchRequest;
import org.apache.rocketmq.store.MessageStore;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.store.LmqDispatch;
import org.rmqtt.store.notify.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns of new MQTT messages from the embedded broker's own dispatch, instead of consuming them:
 * a {@link CommitLogDispatcher} after the one that builds the consume queues, so an announced
 * message is already readable from its LMQs. It takes over what the {@link Notifier} does for a
 * remote broker: topic events, and the retained messages of backends.
 *
 * <p>The dispatcher runs on the store's reput thread. A listener that can take an event without
 * blocking (this node's sessions only enqueue it) gets it there at once; everything else is queued,
 * and each listener has its own thread that turns the queue into events, in batches. Events are hints (a reader's
 * catch-up finds what an event missed), so a listener whose queue is full loses the overflow
 * rather than holding up the store.
 */
public final class InProcessNotifier implements CommitLogDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessNotifier.class);
    private static final int MAX_QUEUED = 100_000;
    private static final int MAX_BATCH = 512;

    private final String brokerName;
    private final MessageStore store;
    private final List<Listening> listeners = new CopyOnWriteArrayList<>();

    /** What a node does with the messages stored in this process. Called on the listener's own thread. */
    public interface Listener {
        /** New messages, each as the LMQs and offsets it was dispatched to; may block briefly. */
        void onStored(List<TopicEvent> events);

        /** A backend (not a device's gateway) stored a message with {@code mqttRetain=true}; may block. */
        void onBackendRetained(String topic, byte[] payload, int qos);

        /**
         * A new message, on the store's dispatch thread, before it is queued: a listener that can
         * hand the event over without blocking (only enqueueing) does so and answers true, and the
         * event skips the queue and the listener's thread. False: it comes to {@link #onStored}.
         */
        default boolean onStoredNow(TopicEvent event) {
            return false;
        }
    }

    /** What the reput thread saw: enough to build an event, and to find a retained message's body. */
    private record Seen(String topic, String lmqs, String offsets, boolean backendRetained, long commitLogOffset, int size) {}

    /**
     * @param store the broker's store, to read the body of a backend's retained message (bodies
     *              are not part of what is dispatched)
     */
    public InProcessNotifier(String brokerName, MessageStore store) {
        this.brokerName = brokerName;
        this.store = store;
    }

    /**
     * Hands the MQTT messages stored from now on, on {@code rocketTopics}, to {@code listener}
     * until the returned handle is closed.
     */
    public AutoCloseable listen(Set<String> rocketTopics, Listener listener) {
        Listening l = new Listening(Set.copyOf(rocketTopics), listener);
        listeners.add(l);
        return () -> {
            listeners.remove(l);
            l.close();
        };
    }

    @Override
    public void dispatch(DispatchRequest request) {
        if (listeners.isEmpty()) {
            return;
        }
        Map<String, String> properties = request.getPropertiesMap();
        String topic = properties == null ? null : properties.get(MessageProperties.MQTT_TOPIC);
        if (topic == null) {
            return; // not for MQTT
        }
        int tran = MessageSysFlag.getTransactionValue(request.getSysFlag());
        if (tran == MessageSysFlag.TRANSACTION_PREPARED_TYPE || tran == MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
            return; // not in any consume queue
        }
        Seen seen = new Seen(topic, properties.get(MessageConst.PROPERTY_INNER_MULTI_DISPATCH),
                properties.get(MessageConst.PROPERTY_INNER_MULTI_QUEUE_OFFSET),
                "true".equals(properties.get(MessageProperties.MQTT_RETAIN))
                        && properties.get(MessageProperties.MQTT_CLIENT_ID) == null,
                request.getCommitLogOffset(), request.getMsgSize());
        for (Listening l : listeners) {
            if (l.rocketTopics.contains(request.getTopic()) && !l.handedNow(seen)) {
                l.offer(seen);
            }
        }
    }

    private final class Listening {
        final Set<String> rocketTopics;
        final Listener listener;
        final Queue<Seen> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger size = new AtomicInteger();
        final AtomicBoolean scheduled = new AtomicBoolean();
        final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rmqtt-store-events");
            t.setDaemon(true);
            return t;
        });
        final ThrottledWarning warnings = new ThrottledWarning(LOG, Duration.ofSeconds(10));

        Listening(Set<String> rocketTopics, Listener listener) {
            this.rocketTopics = rocketTopics;
            this.listener = listener;
        }

        /**
         * Hands {@code seen} to the listener on this (the dispatch) thread if it can take it without
         * blocking. It may overtake queued events: each only raises a reader's known end.
         */
        boolean handedNow(Seen seen) {
            if (seen.backendRetained()) {
                return false; // its retained message is set first, on the listener's thread
            }
            TopicEvent event = event(seen);
            if (event == null) {
                return true;
            }
            try {
                return listener.onStoredNow(event);
            } catch (RuntimeException e) {
                LOG.warn("Handing a topic event over failed: {}", e.toString());
                return true;
            }
        }

        void offer(Seen seen) {
            if (size.incrementAndGet() > MAX_QUEUED) {
                size.decrementAndGet();
                warnings.warn("full", "{} stored messages wait to be announced; announcing no more of them until "
                        + "the queue drains (readers' catch-up finds them)", MAX_QUEUED);
                return;
            }
            queue.add(seen);
            if (scheduled.compareAndSet(false, true)) {
                try {
                    thread.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // closed meanwhile
                }
            }
        }

        private void drain() {
            List<TopicEvent> events = new ArrayList<>();
            List<Seen> retained = new ArrayList<>();
            while (true) {
                Seen seen;
                while (events.size() < MAX_BATCH && (seen = queue.poll()) != null) {
                    size.decrementAndGet();
                    TopicEvent event = event(seen);
                    if (event != null) {
                        events.add(event);
                    }
                    if (seen.backendRetained()) {
                        retained.add(seen);
                    }
                }
                if (!events.isEmpty() || !retained.isEmpty()) {
                    hand(events, retained);
                    events = new ArrayList<>();
                    retained.clear();
                    continue;
                }
                scheduled.set(false);
                // Something may have been queued between the last poll and the reset.
                if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                    return;
                }
            }
        }

        private void hand(List<TopicEvent> events, List<Seen> retained) {
            // Retained first, as the notifier does: a subscriber woken by the event finds it set.
            for (Seen r : retained) {
                try {
                    MessageExt m = store.lookMessageByOffset(r.commitLogOffset(), r.size());
                    if (m == null) {
                        LOG.warn("Backend retained message on {} could not be read back; not retained", r.topic());
                        continue;
                    }
                    listener.onBackendRetained(r.topic(),
                            MessageProperties.payload(m.getUserProperty(MessageProperties.MQTT_EMPTY), m.getBody()),
                            MessageProperties.qos(m.getUserProperty(MessageProperties.MQTT_QOS)));
                } catch (RuntimeException e) {
                    LOG.warn("Backend retained message on {} was not retained: {}", r.topic(), e.getMessage());
                }
            }
            if (!events.isEmpty()) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug("Announcing {} stored messages: {}", events.size(), events);
                }
                try {
                    listener.onStored(events);
                } catch (RuntimeException e) {
                    LOG.warn("Handing {} topic events over failed: {}", events.size(), e.toString());
                }
            }
        }

        /** The message's event; null if the dispatch plug-in did not index it (an invalid MQTT topic). */
        private TopicEvent event(Seen seen) {
            if (seen.lmqs() == null || seen.offsets() == null) {
                return null;
            }
            LmqDispatch.Dispatched dispatched = LmqDispatch.Dispatched.of(seen.lmqs(), seen.offsets());
            if (!dispatched.complete()) {
                LOG.warn("A message on {} has LMQs and offsets of different lengths; not announced", seen.topic());
                return null;
            }
            return new TopicEvent(brokerName, seen.topic(), dispatched.lmqs(), dispatched.offsets());
        }

        void close() {
            thread.shutdownNow();
        }
    }
}
