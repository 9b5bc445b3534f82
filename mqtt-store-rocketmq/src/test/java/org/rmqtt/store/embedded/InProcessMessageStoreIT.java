package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.TestNames;
import org.rmqtt.store.plugin.LmqDispatchPlugin;
import org.rmqtt.store.rocketmq.RocketMqMessageStore;

/**
 * The in-process store and notifier against the embedded broker: what one writes the other path
 * reads the same, events come from the store's dispatch, backends' messages included.
 */
class InProcessMessageStoreIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final TopicMapper MAPPER = TopicMapper.parse("sensors/#=sensors", "mqtt_default");
    private static EmbeddedRocketMq rocketMq;
    private static InProcessMessageStore store;
    private static RocketMqMessageStore remote;
    private static AutoCloseable listening;
    private static final BlockingQueue<TopicEvent> EVENTS = new LinkedBlockingQueue<>();
    private static final BlockingQueue<String> RETAINED = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        rocketMq = SharedRocketMq.get();
        store = InProcessMessageStore.on(rocketMq, MAPPER, 1);
        remote = new RocketMqMessageStore(rocketMq.namesrvAddress(), "in-process-it", MAPPER, true);
        remote.start();
        listening = rocketMq.notifier().listen(MAPPER.rocketTopics(), new InProcessNotifier.Listener() {
            @Override
            public void onStored(List<TopicEvent> events) {
                EVENTS.addAll(events);
            }

            @Override
            public void onBackendRetained(String topic, byte[] payload, int qos) {
                RETAINED.add(topic + "=" + new String(payload, StandardCharsets.UTF_8) + "@" + qos);
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        listening.close();
        store.close();
        remote.close();
        LmqDispatchPlugin.useWildcardFilters(topic -> Set.of());
    }

    private static String unique() {
        return TestNames.unique("t");
    }

    private static TopicEvent eventFor(String topic) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            TopicEvent e = EVENTS.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && e.topic().equals(topic)) {
                return e;
            }
        }
        throw new AssertionError("no event for " + topic);
    }

    @Test
    void writesAreReadBackInOrderFromEveryLmqAndAnnounced() throws Exception {
        String topic = "sensors/" + unique() + "/temp";
        String filter = topic.substring(0, topic.lastIndexOf('/')) + "/+";
        String lmq = LmqNames.of(topic);
        assertThat(store.maxOffsets(lmq).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 0L);
        store.publishAll(List.of(
                new PublishRequest(topic, 1, false, "m0".getBytes(StandardCharsets.UTF_8), "c1", Set.of(filter)),
                new PublishRequest(topic, 2, true, new byte[0], "c1", Set.of(filter)),
                new PublishRequest(topic, 0, false, "m2".getBytes(StandardCharsets.UTF_8), "c1", Set.of(filter)))).join();

        TopicEvent first = eventFor(topic);
        assertThat(first.brokerName()).isEqualTo(EmbeddedRocketMq.BROKER_NAME);
        assertThat(first.lmqs()).containsExactly(lmq, LmqNames.of(filter));
        assertThat(first.offsets()).containsExactly(0L, 0L);
        // A write completes once appended; its LMQ entries are dispatched right after, on the store's thread.
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.maxOffsets(List.of(lmq, LmqNames.of(filter))).join())
                .containsEntry(lmq, Map.of(EmbeddedRocketMq.BROKER_NAME, 3L))
                .containsEntry(LmqNames.of(filter), Map.of(EmbeddedRocketMq.BROKER_NAME, 3L)));

        for (String read : List.of(lmq, LmqNames.of(filter))) {
            PullBatch batch = store.pull(EmbeddedRocketMq.BROKER_NAME, read, 0, 32).join();
            assertThat(batch.status()).isEqualTo(PullBatch.Status.FOUND);
            assertThat(batch.messages()).extracting(StoredMessage::offset).containsExactly(0L, 1L, 2L);
            assertThat(batch.messages()).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                    .containsExactly("m0", "", "m2");
            assertThat(batch.messages()).extracting(StoredMessage::qos).containsExactly(1, 2, 0);
            assertThat(batch.messages()).extracting(StoredMessage::retain).containsExactly(false, true, false);
            assertThat(batch.nextOffset()).isEqualTo(3L);
            // The remoting path reads the same messages.
            assertThat(remote.pull(EmbeddedRocketMq.BROKER_NAME, read, 0, 32).join().messages())
                    .usingRecursiveFieldByFieldElementComparator().isEqualTo(batch.messages());
        }
        PullBatch end = store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, 3, 32).join();
        assertThat(end.status()).isEqualTo(PullBatch.Status.NO_NEW_MESSAGES);
        assertThat(end.nextOffset()).isEqualTo(3L);
    }

    @Test
    void justWrittenMessagesReadFromMemoryEqualTheStoredOnesAndOthersAreReadFromTheStore() throws Exception {
        String topic = "sensors/" + unique() + "/hum";
        String lmq = LmqNames.of(topic);
        for (int i = 0; i < 4; i++) {
            store.publish(new PublishRequest(topic, i % 3, i == 2, ("h" + i).getBytes(StandardCharsets.UTF_8), "c1",
                    Set.of())).join();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.maxOffsets(lmq).join())
                .containsEntry(EmbeddedRocketMq.BROKER_NAME, 4L));
        // A second store on the same broker has written nothing: it reads everything from the store.
        InProcessMessageStore other = InProcessMessageStore.on(rocketMq, MAPPER, 1);
        try {
            for (long offset = 0; offset < 4; offset++) {
                PullBatch mine = store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, offset, 2).join();
                PullBatch read = other.pull(EmbeddedRocketMq.BROKER_NAME, lmq, offset, 2).join();
                assertThat(mine.status()).isEqualTo(PullBatch.Status.FOUND);
                assertThat(mine.messages()).usingRecursiveFieldByFieldElementComparator().isEqualTo(read.messages());
                assertThat(mine.nextOffset()).isEqualTo(read.nextOffset()).isEqualTo(Math.min(4, offset + 2));
            }
            assertThat(store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, 4, 2).join().status())
                    .isEqualTo(PullBatch.Status.NO_NEW_MESSAGES);
        } finally {
            other.close();
        }
    }

    @Test
    void aListenerTakingEventsOnTheDispatchThreadGetsEachOnceAndNoneQueued() throws Exception {
        String prefix = "sensors/" + unique() + "/";
        BlockingQueue<TopicEvent> now = new LinkedBlockingQueue<>();
        BlockingQueue<TopicEvent> queued = new LinkedBlockingQueue<>();
        AutoCloseable direct = rocketMq.notifier().listen(MAPPER.rocketTopics(), new InProcessNotifier.Listener() {
            @Override
            public void onStored(List<TopicEvent> events) {
                events.stream().filter(e -> e.topic().startsWith(prefix)).forEach(queued::add);
            }

            @Override
            public void onBackendRetained(String topic, byte[] payload, int qos) {
            }

            @Override
            public boolean onStoredNow(TopicEvent event) {
                if (event.topic().startsWith(prefix + "now")) {
                    now.add(event);
                    return true;
                }
                return false;
            }
        });
        try {
            for (int i = 0; i < 5; i++) {
                store.publish(new PublishRequest(prefix + "now", 1, false, new byte[] {1}, "c1", Set.of())).join();
                store.publish(new PublishRequest(prefix + "later", 1, false, new byte[] {2}, "c1", Set.of())).join();
            }
            await().atMost(WAIT).until(() -> now.size() >= 5 && queued.size() >= 5);
            // The other listener, which takes nothing on the dispatch thread, saw everything queued.
            await().atMost(WAIT).until(() -> EVENTS.stream().filter(e -> e.topic().startsWith(prefix)).count() >= 10);
            assertThat(now).extracting(e -> e.offsets().get(0)).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(queued).extracting(TopicEvent::topic).containsOnly(prefix + "later");
            assertThat(queued).extracting(e -> e.offsets().get(0)).containsExactly(0L, 1L, 2L, 3L, 4L);
        } finally {
            direct.close();
        }
    }

    @Test
    void aWriteCompletesWhenAppendedWithoutWaitingForItsDispatch() throws Exception {
        String topic = "sensors/" + unique() + "/held";
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        BlockingQueue<TopicEvent> announced = new LinkedBlockingQueue<>();
        // Takes the event on the dispatching thread and holds that thread there.
        AutoCloseable holding = rocketMq.notifier().listen(MAPPER.rocketTopics(), new InProcessNotifier.Listener() {
            @Override
            public void onStored(List<TopicEvent> events) {
            }

            @Override
            public void onBackendRetained(String t, byte[] payload, int qos) {
            }

            @Override
            public boolean onStoredNow(TopicEvent event) {
                if (!event.topic().equals(topic)) {
                    return false;
                }
                try {
                    release.await(2 * WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                announced.add(event);
                return true;
            }
        });
        try {
            CompletableFuture<Void> written = store.publishAll(List.of(
                    new PublishRequest(topic, 1, false, new byte[] {1}, "c1", Set.of()),
                    new PublishRequest(topic, 1, false, new byte[] {2}, "c1", Set.of())));
            // The acknowledgement may go out while the dispatch is still held.
            assertThat(written).succeedsWithin(WAIT);
            assertThat(announced).isEmpty();
            release.countDown();
            await().atMost(WAIT).until(() -> announced.size() >= 2);
            assertThat(announced).extracting(e -> e.offsets().get(0)).containsExactly(0L, 1L);
        } finally {
            release.countDown();
            holding.close();
        }
    }

    @Test
    void aBackendMessageIsAnnouncedAndARetainedOneHandedOverWithItsPayload() throws Exception {
        String topic = "sensors/" + unique() + "/cmd";
        DefaultMQProducer producer = new DefaultMQProducer("in_process_it_backend");
        producer.setNamesrvAddr(rocketMq.namesrvAddress());
        producer.setInstanceName("in-process-it-" + unique());
        producer.start();
        try {
            Message command = new Message("sensors", "on".getBytes(StandardCharsets.UTF_8));
            command.putUserProperty(MessageProperties.MQTT_TOPIC, topic);
            command.putUserProperty(MessageProperties.MQTT_QOS, "1");
            command.putUserProperty(MessageProperties.MQTT_RETAIN, "true");
            producer.send(command);
        } finally {
            producer.shutdown();
        }
        TopicEvent event = eventFor(topic);
        assertThat(event.lmqs()).containsExactly(LmqNames.of(topic));
        await().atMost(WAIT).until(() -> RETAINED.contains(topic + "=on@1"));
        PullBatch batch = store.pull(EmbeddedRocketMq.BROKER_NAME, LmqNames.of(topic), event.offsets().get(0), 1).join();
        assertThat(batch.messages()).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8)).containsExactly("on");
    }

    @Test
    void aBackendMessageIsReadFromMemoryAsTheStoreHoldsIt() throws Exception {
        String topic = "sensors/" + unique() + "/cmd";
        String lmq = LmqNames.of(topic);
        DefaultMQProducer producer = new DefaultMQProducer("in_process_it_backend");
        producer.setNamesrvAddr(rocketMq.namesrvAddress());
        producer.setInstanceName("in-process-it-" + unique());
        producer.start();
        try {
            for (String body : List.of("a", "", "c")) {
                Message command = new Message("sensors", body.getBytes(StandardCharsets.UTF_8));
                command.putUserProperty(MessageProperties.MQTT_TOPIC, topic);
                command.putUserProperty(MessageProperties.MQTT_QOS, "2");
                if (body.isEmpty()) {
                    command.setBody(new byte[] {0});
                    command.putUserProperty(MessageProperties.MQTT_EMPTY, "true");
                }
                producer.send(command);
            }
        } finally {
            producer.shutdown();
        }
        long first = eventFor(topic).offsets().get(0);
        // Told by the plug-in before the send was answered: the pull completes at once, no store
        // read. (The last one: an entry may leave memory a second after it came, at the next append.)
        CompletableFuture<PullBatch> fromMemory = store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, first + 2, 1);
        assertThat(fromMemory).isDone();
        InProcessMessageStore other = InProcessMessageStore.on(rocketMq, MAPPER, 1);
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(store.maxOffsets(lmq).join())
                    .containsEntry(EmbeddedRocketMq.BROKER_NAME, first + 3));
            PullBatch read = other.pull(EmbeddedRocketMq.BROKER_NAME, lmq, first, 3).join();
            assertThat(read.messages()).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                    .containsExactly("a", "", "c");
            assertThat(read.messages()).allSatisfy(m -> assertThat(m.qos()).isEqualTo(2));
            assertThat(fromMemory.join().messages()).usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(read.messages().subList(2, 3));
            assertThat(store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, first, 3).join().messages())
                    .usingRecursiveFieldByFieldElementComparator().isEqualTo(read.messages());
        } finally {
            other.close();
        }
    }

    @Test
    void aDeviceMessageOnAnUnmappedBrokerIsRefusedAsAFailedFuture() {
        assertThat(store.pull("no-such-broker", LmqNames.of("a/b"), 0, 1)).isCompletedExceptionally();
    }
}
