package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.rocketmq.common.config.ConfigHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoreException;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.embedded.EmbeddedRocketMq.ConsumeQueues;

/**
 * Consume queues in RocksDB ({@code rocketmq.embedded.consumeQueue=rocksdb}): the gateway's
 * in-process store writes and reads LMQs as with files, nothing is kept per topic on disk, the
 * queues survive a restart, and data of one kind is refused by a broker of the other. Brokers of
 * their own (the shared one keeps files).
 */
class EmbeddedRocketMqRocksDbIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TopicMapper MAPPER = TopicMapper.parse("", "mqtt_default");
    private static final int TOPICS = 100;
    /** The broker data of the running test. */
    private Path data;

    /**
     * RocketMQ's RocksDB writes its info log below user.home (ConfigHelper.getDBLogDir), named
     * after the database's path: removed here, as every file the test made.
     */
    @AfterEach
    void removeRocksDbInfoLogs() throws Exception {
        if (data == null) {
            return;
        }
        String prefix = data.toAbsolutePath().toString().substring(1).replaceAll("[^A-Za-z0-9._-]", "_");
        try (Stream<Path> logs = Files.list(Path.of(ConfigHelper.getDBLogDir()))) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Files.deleteIfExists(log);
            }
        }
    }

    @Test
    void lmqsLiveInRocksDbAcrossARestartAndFileDataIsRefused(@TempDir Path dir) throws Exception {
        data = dir.resolve("rocksdb");
        String filter = "cq/+/state";
        EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(data, 0, 0, true, false, ConsumeQueues.ROCKSDB);
        try {
            assertThat(rocketMq.broker().getMessageStoreConfig().isEnableRocksDBStore()).isTrue();
            rocketMq.createTopics(List.of("mqtt_default"), 1);
            InProcessMessageStore store = InProcessMessageStore.on(rocketMq, MAPPER, 1);
            try {
                List<PublishRequest> writes = new ArrayList<>();
                for (int round = 0; round < 2; round++) {
                    for (int t = 0; t < TOPICS; t++) {
                        writes.add(new PublishRequest(topic(t), 1, false, payload(t, round), "c1", Set.of(filter)));
                    }
                }
                store.publishAll(writes).join();
                awaitMaxOffset(store, LmqNames.of(filter), 2L * TOPICS);
                for (int t = 0; t < TOPICS; t++) {
                    awaitMaxOffset(store, LmqNames.of(topic(t)), 2);
                    assertPayloads(store, topic(t), "t" + t + "-0", "t" + t + "-1");
                }
            } finally {
                store.close();
            }
        } finally {
            rocketMq.close();
        }
        assertThat(ConsumeQueues.onDisk(data)).contains(ConsumeQueues.ROCKSDB);
        try (Stream<Path> entries = Files.list(data.resolve("store/consumequeue"))) {
            assertThat(entries.map(p -> p.getFileName().toString())).as("a directory per queue").noneMatch(n -> n.startsWith("%LMQ%"));
        }

        EmbeddedRocketMq restarted = EmbeddedRocketMq.start(data, 0, 0, true, false, ConsumeQueues.ROCKSDB);
        try {
            restarted.createTopics(List.of("mqtt_default"), 1);
            InProcessMessageStore store = InProcessMessageStore.on(restarted, MAPPER, 1);
            try {
                assertThat(store.maxOffsets(LmqNames.of(topic(7))).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 2L);
                store.publish(new PublishRequest(topic(7), 1, false, payload(7, 2), "c1", Set.of(filter))).join();
                awaitMaxOffset(store, LmqNames.of(topic(7)), 3);
                awaitMaxOffset(store, LmqNames.of(filter), 2L * TOPICS + 1);
                assertPayloads(store, topic(7), "t7-0", "t7-1", "t7-2");
            } finally {
                store.close();
            }
        } finally {
            restarted.close();
        }
        assertThatThrownBy(() -> EmbeddedRocketMq.start(data, 0, 0, true, false, ConsumeQueues.FILE))
                .isInstanceOf(StoreException.class).hasMessageContaining("in RocksDB, not in files");
    }

    @Test
    void fileDataIsRefusedByARocksDbBroker(@TempDir Path dir) {
        data = dir.resolve("files");
        EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(data, 0, 0, true, false, ConsumeQueues.FILE);
        try {
            rocketMq.createTopics(List.of("mqtt_default"), 1);
            InProcessMessageStore store = InProcessMessageStore.on(rocketMq, MAPPER, 1);
            try {
                store.publish(new PublishRequest(topic(0), 1, false, payload(0, 0), "c1", Set.of())).join();
                awaitMaxOffset(store, LmqNames.of(topic(0)), 1);
            } finally {
                store.close();
            }
        } finally {
            rocketMq.close();
        }
        assertThat(ConsumeQueues.onDisk(data)).contains(ConsumeQueues.FILE);
        assertThatThrownBy(() -> EmbeddedRocketMq.start(data, 0, 0, true, false, ConsumeQueues.ROCKSDB))
                .isInstanceOf(StoreException.class).hasMessageContaining("in files, not in RocksDB");
    }

    private static String topic(int t) {
        return "cq/" + t + "/state";
    }

    private static byte[] payload(int t, int round) {
        return ("t" + t + "-" + round).getBytes(StandardCharsets.UTF_8);
    }

    private static void awaitMaxOffset(InProcessMessageStore store, String lmq, long offset) {
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(store.maxOffsets(lmq).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, offset));
    }

    private static void assertPayloads(InProcessMessageStore store, String topic, String... payloads) {
        PullBatch batch = store.pull(EmbeddedRocketMq.BROKER_NAME, LmqNames.of(topic), 0, 32).join();
        assertThat(batch.status()).isEqualTo(PullBatch.Status.FOUND);
        assertThat(batch.messages()).extracting(StoredMessage::offset)
                .containsExactlyElementsOf(Stream.iterate(0L, o -> o + 1).limit(payloads.length).toList());
        assertThat(batch.messages()).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8)).containsExactly(payloads);
    }
}
