package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker's delay-level service is off while no delayed message waits, and a backend's
 * delayed message still arrives: sent while the service is off, and left waiting across a
 * restart. A broker of its own (the shared one must not be restarted).
 */
class DelayedDeliveryOnDemandIT {
    private static final String TOPIC = "delay_it";
    private static final Duration WAIT = Duration.ofSeconds(40);

    @Test
    void delayedMessagesArriveThoughTheServiceIsOffWhileNoneWaits(@TempDir Path dir) throws Exception {
        EmbeddedRocketMq rocketMq = EmbeddedRocketMq.start(dir, 0, 0, true);
        try {
            rocketMq.createTopics(List.of(TOPIC), 1);
            await().atMost(WAIT).until(() -> !rocketMq.broker().getScheduleMessageService().isStarted());

            // Level 1: one second.
            send(rocketMq, 1, "soon");
            await().atMost(WAIT).until(() -> rocketMq.broker().getMessageStore().getMaxOffsetInQueue(TOPIC, 0) == 1);
            assertThat(rocketMq.broker().getScheduleMessageService().isStarted()).isTrue();

            // Level 2: five seconds, more than the restart below takes.
            send(rocketMq, 2, "after restart");
        } finally {
            rocketMq.close();
        }
        EmbeddedRocketMq restarted = EmbeddedRocketMq.start(dir, 0, 0, true);
        try {
            await().atMost(WAIT).until(() -> restarted.broker().getMessageStore().getMaxOffsetInQueue(TOPIC, 0) == 2);
            assertThat(restarted.broker().getScheduleMessageService().isStarted()).isTrue();
        } finally {
            restarted.close();
        }
    }

    private static void send(EmbeddedRocketMq rocketMq, int delayLevel, String body) throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer("delay_it_producer");
        producer.setNamesrvAddr(rocketMq.namesrvAddress());
        producer.setInstanceName("delay-it-" + System.nanoTime());
        producer.start();
        try {
            Message msg = new Message(TOPIC, body.getBytes(StandardCharsets.UTF_8));
            msg.setDelayTimeLevel(delayLevel);
            SendResult sent = producer.send(msg);
            assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
        } finally {
            producer.shutdown();
        }
    }
}
