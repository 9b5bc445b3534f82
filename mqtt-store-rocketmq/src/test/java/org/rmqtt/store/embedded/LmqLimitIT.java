package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.StoreException;

/**
 * The dispatch plug-in enforces {@code maxLmqConsumeQueueNum}: once the broker holds that many
 * consume queues, a message that needs a new LMQ is refused, from a gateway and from a backend,
 * while topics that have one keep working; a new subscription to such a queue is refused too. On the shared broker, with its limit lowered for the
 * test and put back after.
 */
class LmqLimitIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final TopicMapper MAPPER = TopicMapper.parse("", "mqtt_default");
    private static EmbeddedRocketMq rocketMq;
    private static InProcessMessageStore store;

    @BeforeAll
    static void start() {
        rocketMq = SharedRocketMq.get();
        store = InProcessMessageStore.on(rocketMq, MAPPER, 1);
    }

    @AfterAll
    static void stop() {
        store.close();
    }

    @Test
    void aMessageThatNeedsANewLmqIsRefusedOverTheLimitAndExistingTopicsStillWork() throws Exception {
        String known = topic();
        String fresh = topic();
        publish(known, "first");
        awaitMaxOffset(known, 1);

        MessageStoreConfig config = rocketMq.broker().getMessageStoreConfig();
        int limit = config.getMaxLmqConsumeQueueNum();
        DefaultMQProducer backend = new DefaultMQProducer("lmq_limit_it");
        backend.setNamesrvAddr(rocketMq.namesrvAddress());
        backend.setInstanceName("lmq-limit-it-" + UUID.randomUUID());
        backend.setRetryTimesWhenSendFailed(0);
        backend.start();
        try {
            config.setMaxLmqConsumeQueueNum(rocketMq.consumeQueueCount());

            assertThatThrownBy(() -> publish(fresh, "refused"))
                    .isInstanceOf(CompletionException.class).cause().isInstanceOf(StoreException.class)
                    .hasMessageContaining("LMQ_CONSUME_QUEUE_NUM_EXCEEDED");
            assertThat(StoreException.isPermanent(catchFailure(fresh))).as("the limit may be raised").isFalse();
            Message command = new Message("mqtt_default", "refused".getBytes(StandardCharsets.UTF_8));
            command.putUserProperty(MessageProperties.MQTT_TOPIC, fresh);
            // The producer wraps the broker's answer ("Send [1] times, still failed").
            assertThatThrownBy(() -> backend.send(command)).rootCause().isInstanceOfSatisfying(MQBrokerException.class, e -> {
                assertThat(e.getResponseCode()).isEqualTo(ResponseCode.SYSTEM_ERROR);
                assertThat(e.getErrorMessage()).contains("LMQ_CONSUME_QUEUE_NUM_EXCEEDED");
            });
            // A message without an MQTT topic needs no LMQ.
            assertThat(backend.send(new Message("mqtt_default", "plain".getBytes(StandardCharsets.UTF_8))).getSendStatus())
                    .isNotNull();

            // A new subscription to a queue that would be refused is refused itself; one to a queue that exists is not.
            assertThatThrownBy(() -> store.subscriptionStart(LmqNames.of(fresh)).join())
                    .isInstanceOf(CompletionException.class).cause().isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.permanent()).isTrue();
                        assertThat(e).hasMessageContaining("maxLmqConsumeQueueNum");
                    });
            assertThat(store.subscriptionStart(LmqNames.of(known)).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 1L);

            publish(known, "second");
            awaitMaxOffset(known, 2);
            // Offsets are still read (the admin API's readiness probe reads a queue that does not exist).
            assertThat(store.maxOffsets(LmqNames.of(fresh)).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 0L);
        } finally {
            config.setMaxLmqConsumeQueueNum(limit);
            backend.shutdown();
        }
        assertThat(store.subscriptionStart(LmqNames.of(fresh)).join()).containsEntry(EmbeddedRocketMq.BROKER_NAME, 0L);
        publish(fresh, "after the limit was raised");
        awaitMaxOffset(fresh, 1);
    }

    private static String topic() {
        return "limit/" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void publish(String topic, String payload) {
        store.publish(new PublishRequest(topic, 1, false, payload.getBytes(StandardCharsets.UTF_8), "c1", Set.of())).join();
    }

    private static Throwable catchFailure(String topic) {
        try {
            publish(topic, "refused again");
            throw new AssertionError("the publish to " + topic + " was not refused");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private static void awaitMaxOffset(String topic, long offset) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.maxOffsets(LmqNames.of(topic)).join())
                .containsEntry(EmbeddedRocketMq.BROKER_NAME, offset));
    }
}
