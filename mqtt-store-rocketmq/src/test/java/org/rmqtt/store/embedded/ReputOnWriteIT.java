package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.common.message.MessageExtBrokerInner;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.ReputOnWrite;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker's store dispatches (consume queues, LMQs, the in-process notifier) when a
 * write lands rather than on RocketMQ's 1 ms poll, and still dispatches every write: those that
 * pass the plug-in from many threads at once, and one written past the plug-in (the poll's safety net).
 */
class ReputOnWriteIT {
    private static final String TOPIC = "backend_it";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void theStoreRunsItsDispatchOnWrites() throws Exception {
        DefaultMessageStore store = defaultStore();
        Field field = DefaultMessageStore.class.getDeclaredField("reputMessageService");
        field.setAccessible(true);
        // Fails when a RocketMQ upgrade makes the replacement fall back to the 1 ms poll.
        assertThat(field.get(store).getClass().getEnclosingClass())
                .isEqualTo(SharedRocketMq.WITH_PLUGIN ? ReputOnWrite.class : DefaultMessageStore.class);
    }

    @Test
    void everyWriteFromManyThreadsIsDispatched() throws Exception {
        MessageStore store = SharedRocketMq.get().broker().getMessageStore();
        long before = queued(store);
        int threads = 4;
        int each = 500;
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int queue = t;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < each; i++) {
                    PutMessageResult result = store.asyncPutMessage(message(queue, "m" + i)).join();
                    assertThat(result.isOk()).as(result.toString()).isTrue();
                }
            }));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
        await().atMost(WAIT).until(() -> queued(store) - before == threads * each);
    }

    @Test
    void aWriteThatBypassesThePlugInIsStillDispatched() throws Exception {
        DefaultMessageStore store = defaultStore();
        long before = queued(store);
        assertThat(store.asyncPutMessage(message(1, "past the plug-in")).join().isOk()).isTrue();
        await().atMost(WAIT).until(() -> queued(store) - before == 1);
    }

    private static DefaultMessageStore defaultStore() {
        return (DefaultMessageStore) SharedRocketMq.get().broker().getMessageStore().getCommitLog().getMessageStore();
    }

    /** Entries in the topic's consume queues, i.e. what the dispatch has indexed. */
    private static long queued(MessageStore store) throws Exception {
        long sum = 0;
        for (int q = 0; q < 4; q++) {
            sum += store.getMaxOffsetInQueue(TOPIC, q);
        }
        return sum;
    }

    private static MessageExtBrokerInner message(int queue, String body) {
        var broker = SharedRocketMq.get().broker();
        MessageExtBrokerInner inner = new MessageExtBrokerInner();
        inner.setTopic(TOPIC);
        inner.setQueueId(queue);
        inner.setBody(body.getBytes(StandardCharsets.UTF_8));
        org.apache.rocketmq.common.message.MessageAccessor.setProperties(inner, new java.util.HashMap<>());
        inner.setPropertiesString("");
        inner.setBornTimestamp(System.currentTimeMillis());
        inner.setBornHost(broker.getStoreHost());
        inner.setStoreHost(broker.getStoreHost());
        return inner;
    }
}
