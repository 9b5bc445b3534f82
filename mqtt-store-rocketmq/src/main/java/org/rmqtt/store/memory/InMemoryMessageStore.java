package org.rmqtt.store.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;

/**
 * A message store in this JVM's memory with one pretend broker: for unit tests of the gateway's
 * logic. It keeps every message; nothing is persisted.
 */
public final class InMemoryMessageStore implements MessageStore {
    public static final String BROKER = "memory";

    private final Map<String, List<StoredMessage>> queues = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean failing;
    private final AtomicLong pulls = new AtomicLong();

    /** Pulls made so far: tests tell reads from the LMQ apart from messages that came otherwise. */
    public long pulls() {
        return pulls.get();
    }

    /** Makes every later publish fail, as an unreachable broker would. */
    public void failPublishes(boolean fail) {
        this.failing = fail;
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
        if (failing) {
            return CompletableFuture.failedFuture(new org.rmqtt.store.StoreException("store is failing (test)"));
        }
        for (String lmq : request.lmqs()) {
            List<StoredMessage> queue = queues.computeIfAbsent(lmq, k -> new ArrayList<>());
            synchronized (queue) {
                queue.add(new StoredMessage(request.topic(), request.qos(), request.retain(), request.payload(), queue.size()));
            }
        }
        return CompletableFuture.completedFuture(new PublishReceipt(Long.toString(ids.incrementAndGet()), BROKER));
    }

    @Override
    public CompletableFuture<PullBatch> pull(String brokerName, String lmq, long offset, int max) {
        pulls.incrementAndGet();
        List<StoredMessage> queue = queues.getOrDefault(lmq, List.of());
        synchronized (queue) {
            if (offset >= queue.size()) {
                return CompletableFuture.completedFuture(PullBatch.empty(offset));
            }
            int from = (int) offset;
            int to = Math.min(queue.size(), from + max);
            return CompletableFuture.completedFuture(
                    new PullBatch(PullBatch.Status.FOUND, List.copyOf(queue.subList(from, to)), to));
        }
    }

    @Override
    public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
        List<StoredMessage> queue = queues.getOrDefault(lmq, List.of());
        synchronized (queue) {
            return CompletableFuture.completedFuture(Map.of(BROKER, (long) queue.size()));
        }
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
        return maxOffsets(lmq);
    }

    @Override
    public void close() {
    }
}
