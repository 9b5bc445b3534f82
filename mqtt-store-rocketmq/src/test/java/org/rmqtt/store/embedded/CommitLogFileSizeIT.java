package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.StoredMessage;

/**
 * A new embedded broker writes RocketMQ's 1 GB commitlog files; one whose data has files of
 * another size (32 MB, as earlier builds wrote) starts on them and goes on at that size.
 */
class CommitLogFileSizeIT {
    private static final TopicMapper MAPPER = TopicMapper.parse("", "mqtt_default");
    private static final int EARLIER_SIZE = 32 * 1024 * 1024;

    @Test
    void aNewStoreWritesOneGigabyteFiles(@TempDir Path dir) throws Exception {
        try (EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(dir, 0, 0)) {
            rocketMq.createTopics(java.util.List.of("mqtt_default"), 1);
            assertThat(storeAndRead(rocketMq, "a/new")).isEqualTo("hello");
            assertThat(Files.size(dir.resolve("store/commitlog/00000000000000000000")))
                    .isEqualTo(EmbeddedRocketMq.COMMITLOG_FILE_SIZE);
        }
    }

    @Test
    void dataWithThirtyTwoMegabyteFilesIsLoadedAtThatSize(@TempDir Path dir) throws Exception {
        Path commitLog = Files.createDirectories(dir.resolve("store/commitlog"));
        // What an earlier build left: an empty (all zero) 32 MB first file, which RocketMQ reads as no messages.
        try (RandomAccessFile file = new RandomAccessFile(commitLog.resolve("00000000000000000000").toFile(), "rw")) {
            file.setLength(EARLIER_SIZE);
        }
        try (EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(dir, 0, 0)) {
            rocketMq.createTopics(java.util.List.of("mqtt_default"), 1);
            assertThat(rocketMq.broker().getMessageStoreConfig().getMappedFileSizeCommitLog()).isEqualTo(EARLIER_SIZE);
            assertThat(storeAndRead(rocketMq, "an/old")).isEqualTo("hello");
        }
        assertThat(EmbeddedRocketMq.commitLogFileSize(commitLog)).isEqualTo(EARLIER_SIZE);
    }

    @Test
    void theSizeIsReadFromTheFirstFileThatIsNotEmpty(@TempDir Path dir) throws Exception {
        assertThat(EmbeddedRocketMq.commitLogFileSize(dir.resolve("none"))).isEqualTo(EmbeddedRocketMq.COMMITLOG_FILE_SIZE);
        assertThat(EmbeddedRocketMq.commitLogFileSize(dir)).isEqualTo(EmbeddedRocketMq.COMMITLOG_FILE_SIZE);
        Files.createFile(dir.resolve("00000000000000000000"));
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("00000000000033554432").toFile(), "rw")) {
            file.setLength(EARLIER_SIZE);
        }
        assertThat(EmbeddedRocketMq.commitLogFileSize(dir)).isEqualTo(EARLIER_SIZE);
    }

    private static String storeAndRead(EmbeddedRocketMq rocketMq, String topic) {
        try (InProcessMessageStore store = InProcessMessageStore.on(rocketMq, MAPPER, 1)) {
            store.publish(new PublishRequest(topic, 1, false, "hello".getBytes(StandardCharsets.UTF_8), "c1", Set.of()))
                    .join();
            String lmq = LmqNames.of(topic);
            await().atMost(Duration.ofSeconds(20)).until(
                    () -> store.maxOffsets(lmq).join().getOrDefault(EmbeddedRocketMq.BROKER_NAME, 0L) == 1L);
            StoredMessage message = store.pull(EmbeddedRocketMq.BROKER_NAME, lmq, 0, 1).join().messages().get(0);
            return new String(message.payload(), StandardCharsets.UTF_8);
        }
    }
}
