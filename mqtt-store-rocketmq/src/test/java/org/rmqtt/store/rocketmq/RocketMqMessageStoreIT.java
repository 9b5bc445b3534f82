package org.rmqtt.store.rocketmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.TestNames;
import org.rmqtt.store.embedded.EmbeddedRocketMq;
import org.rmqtt.store.embedded.SharedRocketMq;
import org.rmqtt.store.plugin.LmqDispatchPlugin;

/** The store against a real broker: publish with dispatch, pull LMQs, and the broker plug-in. */
class RocketMqMessageStoreIT {
    private static EmbeddedRocketMq rocketMq;
    private static RocketMqMessageStore store;

    @BeforeAll
    static void start() {
        rocketMq = SharedRocketMq.get();
        store = new RocketMqMessageStore(rocketMq.namesrvAddress(), "store-it",
                TopicMapper.parse("sensors/#=sensors", "mqtt_default"), true);
        store.start();
    }

    @AfterAll
    static void stop() {
        store.close();
        LmqDispatchPlugin.useWildcardFilters(topic -> Set.of());
    }

    private static String unique() {
        return TestNames.unique("t");
    }

    @Test
    void publishedMessagesArePulledFromEveryLmqInOrder() {
        String topic = "sensors/" + unique() + "/temp";
        String filter = topic.substring(0, topic.lastIndexOf('/')) + "/+";
        // The plug-in knows no filters here (as on an external broker without meta access): the
        // wildcard dispatch comes from the filters the gateway named, checked against the topic.
        LmqDispatchPlugin.useWildcardFilters(t -> Set.of());
        Map<String, Long> start = store.maxOffsets(LmqNames.of(topic)).join();
        assertThat(start).containsKey(EmbeddedRocketMq.BROKER_NAME);
        for (int i = 0; i < 20; i++) {
            store.publish(new PublishRequest(topic, 1, false, ("m" + i).getBytes(StandardCharsets.UTF_8), "c1",
                    Set.of(filter))).join();
        }
        for (String lmq : List.of(LmqNames.of(topic), LmqNames.of(filter))) {
            List<StoredMessage> read = readAll(lmq, 0, 20);
            assertThat(read).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
            assertThat(read).extracting(StoredMessage::offset).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, 20).boxed().toList());
            assertThat(read).allSatisfy(m -> {
                assertThat(m.topic()).isEqualTo(topic);
                assertThat(m.qos()).isEqualTo(1);
            });
        }
        assertThat(store.maxOffsets(LmqNames.of(topic)).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 20L);
    }

    @Test
    void pullBeyondTheEndFindsNothing() {
        PullBatch batch = store.pull(EmbeddedRocketMq.BROKER_NAME, LmqNames.of("nobody/" + unique()), 0, 10).join();
        assertThat(batch.status()).isEqualTo(PullBatch.Status.NO_NEW_MESSAGES);
        assertThat(batch.messages()).isEmpty();
    }

    @Test
    void pluginDispatchesPlainProducerMessagesAndIgnoresForgedDispatch() throws Exception {
        String topic = "backend/" + unique() + "/cmd";
        String wildcard = "backend/+/cmd";
        LmqDispatchPlugin.useWildcardFilters(t -> org.rmqtt.common.topic.Topics.matches(wildcard, t) ? Set.of(wildcard) : Set.of());
        String forgedTopic = "forged/" + unique();
        String forged = LmqNames.of(forgedTopic);
        DefaultMQProducer producer = new DefaultMQProducer("backend_it_producer");
        producer.setNamesrvAddr(rocketMq.namesrvAddress());
        producer.setInstanceName("backend-it");
        producer.start();
        try {
            for (int i = 0; i < 5; i++) {
                Message msg = new Message("backend_it", ("b" + i).getBytes(StandardCharsets.UTF_8));
                msg.putUserProperty("mqttTopic", topic);
                org.apache.rocketmq.common.message.MessageAccessor.putProperty(msg,
                        org.apache.rocketmq.common.message.MessageConst.PROPERTY_INNER_MULTI_DISPATCH, forged);
                // A named filter that does not match the topic is ignored as well.
                msg.putUserProperty(org.rmqtt.common.message.MessageProperties.MQTT_DISPATCH_FILTERS,
                        org.rmqtt.common.message.MessageProperties.encodeFilters(List.of("forged/+")));
                producer.send(msg);
            }
            // A batch goes through the plug-in's split path.
            List<Message> batch = new ArrayList<>();
            for (int i = 5; i < 8; i++) {
                Message msg = new Message("backend_it", ("b" + i).getBytes(StandardCharsets.UTF_8));
                msg.putUserProperty("mqttTopic", topic);
                batch.add(msg);
            }
            producer.send(batch);
        } finally {
            producer.shutdown();
        }
        List<String> expected = java.util.stream.IntStream.range(0, 8).mapToObj(i -> "b" + i).toList();
        for (String lmq : List.of(LmqNames.of(topic), LmqNames.of(wildcard))) {
            assertThat(readAll(lmq, 0, 8)).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(expected);
        }
        assertThat(store.maxOffsets(forged).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 0L);
        assertThat(store.maxOffsets(LmqNames.of("forged/+")).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 0L);
    }

    @Test
    void answersAreHandledOnTheClientsIoThreadWithNoThreadPolling() {
        String topic = "sensors/" + unique() + "/io";
        // Callbacks attached while a call is in flight run where the answer is handled. Of 50
        // calls in a row some are in flight when attached (an answer takes a loopback round trip).
        Set<String> sendAnsweredOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<java.util.concurrent.CompletableFuture<?>> sends = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            var sent = store.publish(new PublishRequest(topic, 1, false, new byte[] {(byte) i}, "c1", Set.of()));
            if (!sent.isDone()) {
                sends.add(sent.whenComplete((r, e) -> sendAnsweredOn.add(Thread.currentThread().getName())));
            }
        }
        sends.forEach(java.util.concurrent.CompletableFuture::join);
        Set<String> pullAnsweredOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<java.util.concurrent.CompletableFuture<?>> pulls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            var pulled = store.pull(EmbeddedRocketMq.BROKER_NAME, LmqNames.of(topic), i, 1);
            if (!pulled.isDone()) {
                pulls.add(pulled.whenComplete((r, e) -> pullAnsweredOn.add(Thread.currentThread().getName())));
            }
        }
        pulls.forEach(java.util.concurrent.CompletableFuture::join);
        // No hand-off to RocketMQ's worker or callback pools: the answer is decoded and its
        // callback run by the client's one I/O thread.
        assertThat(sendAnsweredOn).isNotEmpty().allMatch(name -> name.startsWith("NettyClientSelector"));
        assertThat(pullAnsweredOn).isNotEmpty().allMatch(name -> name.startsWith("NettyClientSelector"));
        // The producer's send-batching threads (batching is off) were ended at start.
        assertThat(Thread.getAllStackTraces().keySet()).map(Thread::getName)
                .noneMatch(name -> name.contains("store-it") && name.contains("GuardFor"));
    }

    /** Dispatch to LMQs is asynchronous, so a reader polls until it has what it expects. */
    private static List<StoredMessage> readAll(String lmq, long from, int count) {
        List<StoredMessage> read = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            PullBatch batch = store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, from + read.size(), 32).join();
            read.addAll(batch.messages());
            return read.size() >= count;
        });
        return read;
    }
}
