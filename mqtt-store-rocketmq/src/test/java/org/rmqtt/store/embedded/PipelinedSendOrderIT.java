package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.MessageStore;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.store.TestNames;

/**
 * A backend that sends asynchronously, many sends in flight, from one producer whose sends leave
 * in order (one async-sender thread), to one queue: the embedded broker stores them in that order,
 * because it has one send thread. With two, concurrent sends were stored out of order (about 1% at
 * 1,000 msg/s), and devices got a backend's commands out of order.
 */
class PipelinedSendOrderIT {
    private static final int MESSAGES = 3_000;
    /** Sends in flight at most: many, but few enough that none waits in the broker's queue long enough to be refused. */
    private static final int IN_FLIGHT = 128;
    private static final int QUEUE = 1;

    @Test
    void asyncSendsFromOneOrderedProducerAreStoredInSendOrder() throws Exception {
        EmbeddedRocketMq rocketMq = SharedRocketMq.get();
        MessageStore messages = rocketMq.broker().getMessageStore();
        String mqttTopic = "sensors/" + TestNames.unique("order") + "/cmd";
        MessageQueue queue = new MessageQueue("sensors", EmbeddedRocketMq.BROKER_NAME, QUEUE);
        long start = messages.getMaxOffsetInQueue("sensors", QUEUE);

        ExecutorService senderThread = Executors.newSingleThreadExecutor();
        DefaultMQProducer producer = new DefaultMQProducer("pipelined_order_it");
        producer.setNamesrvAddr(rocketMq.namesrvAddress());
        producer.setInstanceName(TestNames.unique("pipelined-order-it"));
        producer.setAsyncSenderExecutor(senderThread);
        producer.setRetryTimesWhenSendAsyncFailed(0);
        producer.start();
        try {
            List<CompletableFuture<SendResult>> sends = new ArrayList<>(MESSAGES);
            Semaphore inFlight = new Semaphore(IN_FLIGHT);
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(inFlight.tryAcquire(30, TimeUnit.SECONDS)).as("a send answered within 30 s").isTrue();
                Message m = new Message("sensors", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                m.putUserProperty(MessageProperties.MQTT_TOPIC, mqttTopic);
                CompletableFuture<SendResult> sent = new CompletableFuture<>();
                sent.whenComplete((r, e) -> inFlight.release());
                producer.send(m, queue, new SendCallback() {
                    @Override
                    public void onSuccess(SendResult result) {
                        sent.complete(result);
                    }

                    @Override
                    public void onException(Throwable e) {
                        sent.completeExceptionally(e);
                    }
                }, 10_000);
                sends.add(sent);
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(sends).allSatisfy(s -> assertThat(s.join().getSendStatus()).isEqualTo(SendStatus.SEND_OK));
        } finally {
            producer.shutdown();
            senderThread.shutdownNow();
        }

        // The consume queue is built behind the acknowledgements, on the broker's dispatch.
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.getMaxOffsetInQueue("sensors", QUEUE) >= start + MESSAGES);
        assertThat(storedBodies(messages, start, mqttTopic))
                .containsExactlyElementsOf(IntStream.range(0, MESSAGES).mapToObj(Integer::toString).toList());
    }

    /** The bodies of {@code mqttTopic}'s messages in queue {@link #QUEUE} of "sensors" from {@code offset}, in queue order. */
    private static List<String> storedBodies(MessageStore messages, long offset, String mqttTopic) throws Exception {
        List<String> bodies = new ArrayList<>();
        long next = offset;
        while (next < messages.getMaxOffsetInQueue("sensors", QUEUE)) {
            GetMessageResult result = messages.getMessage("pipelined_order_it", "sensors", QUEUE, next, 256, null);
            try {
                for (ByteBuffer buffer : result.getMessageBufferList()) {
                    MessageExt m = MessageDecoder.decode(buffer.slice(), true, false, false);
                    if (mqttTopic.equals(m.getUserProperty(MessageProperties.MQTT_TOPIC))) {
                        bodies.add(new String(m.getBody(), StandardCharsets.UTF_8));
                    }
                }
                next = result.getNextBeginOffset();
            } finally {
                result.release();
            }
        }
        return bodies;
    }
}
