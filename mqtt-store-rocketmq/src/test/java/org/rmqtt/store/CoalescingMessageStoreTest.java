package org.rmqtt.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.store.memory.InMemoryMessageStore;

class CoalescingMessageStoreTest {
    private final InMemoryMessageStore memory = new InMemoryMessageStore();
    private final AtomicInteger pulls = new AtomicInteger();
    private CompletableFuture<PullBatch> gate;

    /** Counts pulls and, while {@link #gate} is set, holds them back to make them concurrent. */
    private final MessageStore counting = new MessageStore() {
        @Override
        public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
            return memory.publish(request);
        }

        @Override
        public CompletableFuture<Void> publishAll(java.util.List<PublishRequest> requests) {
            return memory.publishAll(requests);
        }

        @Override
        public CompletableFuture<PullBatch> pull(String broker, String lmq, long offset, int max) {
            pulls.incrementAndGet();
            CompletableFuture<PullBatch> result = memory.pull(broker, lmq, offset, max);
            return gate == null ? result : gate.thenCompose(v -> result);
        }

        @Override
        public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
            return memory.maxOffsets(lmq);
        }

        @Override
        public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
            return memory.subscriptionStart(lmq);
        }

        @Override
        public void close() {
        }
    };

    private final CoalescingMessageStore store = new CoalescingMessageStore(counting, 1 << 20, Duration.ofMinutes(1));
    private final String lmq = LmqNames.of("a/b");

    private void publish(String payload) {
        store.publish(new PublishRequest("a/b", 1, false, payload.getBytes(), "c", Set.of())).join();
    }

    @Test
    void concurrentIdenticalPullsShareOneRead() {
        publish("x");
        gate = new CompletableFuture<>();
        CompletableFuture<PullBatch> first = store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32);
        CompletableFuture<PullBatch> second = store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32);
        gate.complete(null);
        assertThat(first.join().messages()).hasSize(1);
        assertThat(second.join()).isSameAs(first.join());
        assertThat(pulls).hasValue(1);
    }

    @Test
    void aFoundBatchIsServedAgainButNothingNewIsNot() {
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32).join().status()).isEqualTo(PullBatch.Status.NO_NEW_MESSAGES);
        publish("x");
        // "Nothing new" was not remembered: the message written since is found.
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32).join().messages()).hasSize(1);
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32).join().messages()).hasSize(1);
        assertThat(pulls).hasValue(2);
    }

    @Test
    void differentOffsetsAreDifferentReads() {
        publish("x");
        publish("y");
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32).join().messages()).hasSize(2);
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 1, 32).join().messages())
                .extracting(m -> new String(m.payload())).containsExactly("y");
        assertThat(pulls).hasValue(2);
    }

    @Test
    void aFailedReadIsNotRemembered() {
        gate = CompletableFuture.failedFuture(new StoreException("down"));
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32)).isCompletedExceptionally();
        gate = null;
        publish("x");
        assertThat(store.pull(InMemoryMessageStore.BROKER, lmq, 0, 32).join().messages()).hasSize(1);
    }
}
