package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rocketmq.embedded.flush=sync}: the embedded broker confirms a send only once the
 * commitlog is forced to disk up to that message. A broker of its own (the shared one flushes
 * asynchronously).
 */
class EmbeddedRocketMqFlushIT {

    @Test
    void withSyncFlushASendIsConfirmedOnlyOnceTheCommitlogIsFlushedPastIt(@TempDir Path dir) throws Exception {
        EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(dir, 0, 0, false, true);
        DefaultMQProducer producer = new DefaultMQProducer("flush_it_producer");
        try {
            assertThat(rocketMq.broker().getMessageStoreConfig().getFlushDiskType()).isEqualTo(FlushDiskType.SYNC_FLUSH);
            rocketMq.createTopics(List.of("flush_it"), 1);
            producer.setNamesrvAddr(rocketMq.namesrvAddress());
            producer.setInstanceName("flush-it");
            producer.start();
            DefaultMessageStore store = (DefaultMessageStore) rocketMq.broker().getMessageStore();
            for (int i = 0; i < 20; i++) {
                SendResult sent = producer.send(new Message("flush_it", ("m" + i).getBytes(StandardCharsets.UTF_8)));
                assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
                long offset = MessageDecoder.decodeMessageId(sent.getOffsetMsgId()).getOffset();
                assertThat(store.getCommitLog().getFlushedWhere()).as("flushed position after send %d", i).isGreaterThan(offset);
            }
        } finally {
            producer.shutdown();
            rocketMq.close();
        }
    }
}
