package org.rmqtt.gateway.notify;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.gateway.session.Subscription;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.store.MessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net under notify events: every round (run by the gateway every
 * {@code delivery.catchUp}) reads the end of each LMQ this node's subscriptions read, in one
 * batched store call, and wakes the subscriptions of an LMQ whose end moved since the last round.
 * A message whose event was lost is so delivered within about one interval.
 *
 * <p>Cost: one max-offset query per distinct filter and broker per round, whatever the number of
 * subscribers; sessions are only woken where an LMQ grew, so idle subscribers cost nothing more.
 */
public final class CatchUp implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);

    private final SubscriptionIndex index;
    private final MessageStore store;
    private final Counters counters;
    /** LMQ → broker → the end the last round woke subscribers to; only the round thread touches it. */
    private Map<String, Map<String, Long>> seen = new HashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();

    public CatchUp(SubscriptionIndex index, MessageStore store, Counters counters) {
        this.index = index;
        this.store = store;
        this.counters = counters;
    }

    /** One round; a round still under way (a slow broker) makes this one a no-op. */
    @Override
    public void run() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        Map<String, String> filterOf = new HashMap<>();
        for (String filter : index.filters()) {
            filterOf.put(LmqNames.of(filter), filter);
        }
        if (filterOf.isEmpty()) {
            seen = new HashMap<>();
            running.set(false);
            return;
        }
        long started = System.nanoTime();
        store.maxOffsets(filterOf.keySet()).whenComplete((ends, error) -> {
            counters.increment(Counters.Name.CATCH_UP_ROUNDS);
            counters.add(Counters.Name.CATCH_UP_QUERIES, filterOf.size());
            counters.add(Counters.Name.CATCH_UP_MILLIS, (System.nanoTime() - started) / 1_000_000);
            try {
                if (error != null) {
                    LOG.debug("Catch-up round failed: {}", error.toString());
                    return;
                }
                Map<String, Map<String, Long>> next = new HashMap<>();
                ends.forEach((lmq, byBroker) -> {
                    Map<String, Long> before = seen.getOrDefault(lmq, Map.of());
                    next.put(lmq, byBroker);
                    byBroker.forEach((broker, end) -> {
                        if (end > before.getOrDefault(broker, -1L)) {
                            wake(filterOf.get(lmq), broker, end);
                        }
                    });
                });
                // LMQs whose query failed keep their last ends, so they are compared again next round.
                Set<String> failed = new HashSet<>(filterOf.keySet());
                failed.removeAll(ends.keySet());
                failed.forEach(lmq -> {
                    if (seen.containsKey(lmq)) {
                        next.put(lmq, seen.get(lmq));
                    }
                });
                seen = next;
            } catch (RuntimeException e) {
                LOG.warn("Catch-up round failed: {}", e.toString());
            } finally {
                running.set(false);
            }
        });
    }

    private void wake(String filter, String broker, long end) {
        for (Subscription sub : index.subscriptions(filter)) {
            sub.session().execute(() -> {
                if (sub.session().onCatchUp(sub, broker, end)) {
                    counters.increment(Counters.Name.CATCH_UP_WAKEUPS);
                }
            });
        }
    }
}
