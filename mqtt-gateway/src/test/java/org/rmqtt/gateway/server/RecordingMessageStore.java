package org.rmqtt.gateway.server;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoreException;

/** Passes everything to another store and remembers how the publishes were grouped into writes. */
public final class RecordingMessageStore implements MessageStore {
    private final MessageStore delegate;
    private final List<List<PublishRequest>> writes = new CopyOnWriteArrayList<>();
    private volatile String refusal;

    /** Makes every later write fail as a message RocketMQ refuses for good would (null: stop). */
    public void refuseForGood(String reason) {
        this.refusal = reason;
    }

    public RecordingMessageStore(MessageStore delegate) {
        this.delegate = delegate;
    }

    /** Each publish or publishAll call, in call order. */
    public List<List<PublishRequest>> writes() {
        return List.copyOf(writes);
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
        writes.add(List.of(request));
        if (refusal != null) {
            return CompletableFuture.failedFuture(new StoreException(refusal, null, true));
        }
        return delegate.publish(request);
    }

    @Override
    public CompletableFuture<Void> publishAll(List<PublishRequest> requests) {
        writes.add(List.copyOf(requests));
        if (refusal != null) {
            return CompletableFuture.failedFuture(new StoreException(refusal, null, true));
        }
        return delegate.publishAll(requests);
    }

    @Override
    public CompletableFuture<PullBatch> pull(String brokerName, String lmq, long offset, int max) {
        return delegate.pull(brokerName, lmq, offset, max);
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
    public void close() {
        delegate.close();
    }
}
