package org.rmqtt.gateway.notify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.gateway.session.Subscription;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.store.StoredMessage;

/**
 * Matches topic events against this node's subscriptions and wakes the sessions concerned, with
 * one task per session per batch. An event that carries its message hands it to each session
 * with the message's offset in that subscription's LMQ.
 */
public final class TopicEventDispatcher {
    private final Supplier<SubscriptionIndex> index;

    /** @param message the message at {@code offset} when the event carried it, else null */
    private record Wakeup(Subscription subscription, String broker, long offset, StoredMessage message) {}

    public TopicEventDispatcher(SubscriptionIndex index) {
        this(() -> index);
    }

    /** For a node whose index is built after its notify endpoint: events before that find no subscriptions. */
    public TopicEventDispatcher(Supplier<SubscriptionIndex> index) {
        this.index = index;
    }

    public void dispatch(List<TopicEvent> events) {
        SubscriptionIndex index = this.index.get();
        if (index == null || events.isEmpty()) {
            return;
        }
        Map<Session, List<Wakeup>> bySession = new HashMap<>();
        for (TopicEvent event : events) {
            index.match(event.topic(), (filter, sub) -> {
                long offset = event.offsetOf(sub.lmq());
                if (offset >= 0) {
                    TopicEvent.InlineMessage m = event.inline();
                    StoredMessage message = m == null ? null
                            : new StoredMessage(event.topic(), m.qos(), m.retain(), m.payload(), offset);
                    bySession.computeIfAbsent(sub.session(), s -> new ArrayList<>())
                            .add(new Wakeup(sub, event.brokerName(), offset, message));
                }
            });
        }
        bySession.forEach((session, wakeups) -> session.execute(() -> {
            for (Wakeup w : wakeups) {
                if (w.message() == null) {
                    session.onTopicEvent(w.subscription(), w.broker(), w.offset());
                } else {
                    session.onTopicEvent(w.subscription(), w.broker(), w.message());
                }
            }
        }));
    }
}
