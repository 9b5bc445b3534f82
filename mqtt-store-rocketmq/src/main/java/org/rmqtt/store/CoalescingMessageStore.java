package org.rmqtt.store;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets the sessions of one node share LMQ reads. In a fan-out every subscriber of a filter on
 * this node wants the same messages at the same offset: identical pulls under way are joined,
 * and batches just read are served again for a moment (what an LMQ holds at an offset never
 * changes), so one RPC serves them all instead of one per subscriber.
 */
public final class CoalescingMessageStore implements MessageStore {
    private record Key(String broker, String lmq, long offset) {}

    private final MessageStore delegate;
    private final Map<Key, CompletableFuture<PullBatch>> underWay = new ConcurrentHashMap<>();
    private final Cache<Key, PullBatch> recent;

    /**
     * @param maxCachedBytes payload bytes of recent batches kept at most
     * @param keepFor        how long a batch read is served again
     */
    public CoalescingMessageStore(MessageStore delegate, long maxCachedBytes, Duration keepFor) {
        this.delegate = delegate;
        this.recent = CacheBuilder.newBuilder()
                .maximumWeight(maxCachedBytes)
                .weigher((Key k, PullBatch b) -> 64 + b.messages().stream().mapToInt(m -> 64 + m.payload().length).sum())
                .expireAfterWrite(keepFor)
                .build();
    }

    @Override
    public CompletableFuture<PullBatch> pull(String brokerName, String lmq, long offset, int max) {
        Key key = new Key(brokerName, lmq, offset);
        PullBatch cached = recent.getIfPresent(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<PullBatch> mine = new CompletableFuture<>();
        CompletableFuture<PullBatch> shared = underWay.putIfAbsent(key, mine);
        if (shared != null) {
            return shared;
        }
        delegate.pull(brokerName, lmq, offset, max).whenComplete((batch, error) -> {
            // Only found messages are kept: "nothing new" stops being true with the next write.
            if (batch != null && batch.status() == PullBatch.Status.FOUND) {
                recent.put(key, batch);
            }
            underWay.remove(key, mine);
            if (error != null) {
                mine.completeExceptionally(error);
            } else {
                mine.complete(batch);
            }
        });
        return mine;
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
        return delegate.publish(request);
    }

    @Override
    public CompletableFuture<Void> publishAll(java.util.List<PublishRequest> requests) {
        return delegate.publishAll(requests);
    }

    @Override
    public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
        return delegate.maxOffsets(lmq);
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
        return delegate.subscriptionStart(lmq);
    }

    @Override
    public CompletableFuture<Map<String, Map<String, Long>>> maxOffsets(java.util.Collection<String> lmqs) {
        return delegate.maxOffsets(lmqs);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
