package org.rmqtt.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;

/**
 * Times sends to and pulls from the store and counts their failures. It hands back the store's
 * own futures, so callers see exactly what they saw without it; every call goes to the store,
 * batch calls included.
 */
final class TimedMessageStore implements MessageStore {
    private final MessageStore store;
    private final Timer send;
    private final Counter sendErrors;
    private final Timer pull;
    private final Counter pullErrors;

    TimedMessageStore(MessageStore store, Timer send, Counter sendErrors, Timer pull, Counter pullErrors) {
        this.store = store;
        this.send = send;
        this.sendErrors = sendErrors;
        this.pull = pull;
        this.pullErrors = pullErrors;
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
        long start = System.nanoTime();
        CompletableFuture<PublishReceipt> result = store.publish(request);
        result.whenComplete((r, e) -> done(start, e, send, sendErrors));
        return result;
    }

    @Override
    public CompletableFuture<Void> publishAll(List<PublishRequest> requests) {
        long start = System.nanoTime();
        CompletableFuture<Void> result = store.publishAll(requests);
        result.whenComplete((r, e) -> done(start, e, send, sendErrors));
        return result;
    }

    @Override
    public CompletableFuture<PullBatch> pull(String brokerName, String lmq, long offset, int max) {
        long start = System.nanoTime();
        CompletableFuture<PullBatch> result = store.pull(brokerName, lmq, offset, max);
        result.whenComplete((r, e) -> done(start, e, pull, pullErrors));
        return result;
    }

    @Override
    public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
        return store.maxOffsets(lmq);
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
        return store.subscriptionStart(lmq);
    }

    @Override
    public CompletableFuture<Map<String, Map<String, Long>>> maxOffsets(Collection<String> lmqs) {
        return store.maxOffsets(lmqs);
    }

    private static void done(long start, Throwable error, Timer timer, Counter errors) {
        if (error == null) {
            timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        } else {
            errors.increment();
        }
    }

    /** The store's life is its owner's: closing this view does not close it. */
    @Override
    public void close() {
    }
}
