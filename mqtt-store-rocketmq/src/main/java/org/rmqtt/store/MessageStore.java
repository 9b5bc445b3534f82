package org.rmqtt.store;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The storage port: the gateway's only way to RocketMQ. Every call is asynchronous; futures
 * complete on a storage thread, so callers hop back to their own thread before touching state.
 */
public interface MessageStore extends AutoCloseable {

    /**
     * Stores one message, dispatched to {@code request.lmqs()}. Completes once the broker has
     * confirmed the write, exceptionally if it did not (then nothing may be acknowledged).
     */
    CompletableFuture<PublishReceipt> publish(PublishRequest request);

    /**
     * Stores messages of one MQTT topic, in this order, as one write where the store can. Completes
     * once all are confirmed; exceptionally if any is not (some may then be stored).
     */
    default CompletableFuture<Void> publishAll(java.util.List<PublishRequest> requests) {
        // Each write waits for the one before it: overlapping writes may be stored out of order.
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (PublishRequest r : requests) {
            all = all.thenCompose(v -> publish(r).thenApply(receipt -> null));
        }
        return all;
    }

    /** Reads up to {@code max} messages of {@code lmq} on {@code brokerName} from {@code offset}. */
    CompletableFuture<PullBatch> pull(String brokerName, String lmq, long offset, int max);

    /** The next offset to be written in {@code lmq}, per broker. */
    CompletableFuture<Map<String, Long>> maxOffsets(String lmq);

    /**
     * Where a new subscription to {@code lmq} starts: its {@link #maxOffsets(String)}. A store that
     * knows it could not take the queue's first message (the queue does not exist and the store is
     * at its queue limit) fails instead, with a permanent {@link StoreException}: the subscription
     * is refused rather than granted and starved, and a new wildcard filter does not make every
     * message it matches refused.
     */
    CompletableFuture<Map<String, Long>> subscriptionStart(String lmq);

    /**
     * {@link #maxOffsets(String)} of many LMQs in one call: LMQ → broker → next offset. LMQs whose
     * offsets could not be read are left out, so one bad queue does not hide the others.
     */
    default CompletableFuture<Map<String, Map<String, Long>>> maxOffsets(java.util.Collection<String> lmqs) {
        Map<String, Map<String, Long>> result = new java.util.concurrent.ConcurrentHashMap<>();
        CompletableFuture<?>[] each = lmqs.stream().map(lmq -> maxOffsets(lmq)
                .thenAccept(offsets -> result.put(lmq, offsets))
                .exceptionally(e -> null)).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(each).thenApply(v -> result);
    }

    @Override
    void close();
}
