package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.message.MessageProperties;

/**
 * {@code rocketmq.embedded.flush=sync}: the embedded broker confirms a send only once the
 * commitlog is forced to disk up to that message, also for a batch that the dispatch plug-in
 * splits into single puts. A broker of its own (the shared one flushes asynchronously).
 */
class EmbeddedRocketMqFlushIT {

    @Test
    void withSyncFlushASendIsConfirmedOnlyOnceTheCommitlogIsFlushedPastIt(@TempDir Path dir) throws Exception {
        EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(dir, 0, 0, true, true);
        DefaultMQProducer producer = new DefaultMQProducer("flush_it_producer");
        try {
            assertThat(rocketMq.broker().getMessageStoreConfig().getFlushDiskType()).isEqualTo(FlushDiskType.SYNC_FLUSH);
            rocketMq.createTopics(List.of("flush_it"), 1);
            producer.setNamesrvAddr(rocketMq.namesrvAddress());
            producer.setInstanceName("flush-it");
            producer.start();
            MessageStore store = rocketMq.broker().getMessageStore();
            String topic = "flush/" + System.nanoTime();
            for (int i = 0; i < 10; i++) {
                SendResult sent = producer.send(mqtt(topic, i));
                assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
                assertThat(store.getFlushedWhere()).as("flushed position after send %d", i).isGreaterThan(lastOffset(sent));
            }
            // A batch of MQTT messages: the plug-in writes it as single puts, flushed together.
            List<Message> batch = new ArrayList<>();
            for (int i = 10; i < 42; i++) {
                batch.add(mqtt(topic, i));
            }
            SendResult sent = producer.send(batch);
            assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
            assertThat(store.getFlushedWhere()).as("flushed position after the batch").isGreaterThan(lastOffset(sent));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(store.getMaxOffsetInQueue(LmqNames.of(topic), 0)).isEqualTo(42));
        } finally {
            producer.shutdown();
            rocketMq.close();
        }
    }

    private static Message mqtt(String topic, int i) {
        Message msg = new Message("flush_it", ("m" + i).getBytes(StandardCharsets.UTF_8));
        msg.putUserProperty(MessageProperties.MQTT_TOPIC, topic);
        return msg;
    }

    /** The commitlog offset of the last message a send stored (a batch answers with a comma list). */
    private static long lastOffset(SendResult sent) throws Exception {
        String[] ids = sent.getOffsetMsgId().split(",");
        return MessageDecoder.decodeMessageId(ids[ids.length - 1]).getOffset();
    }
}
